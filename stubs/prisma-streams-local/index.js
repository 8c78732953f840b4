export async function startLocalDurableStreamsServer() {
  throw new Error(
    'prisma dev needs Node 22 or later (its streams server uses node:sqlite); this project runs on Node 20 and does not use it',
  );
}
