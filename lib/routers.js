// The two metadata routers: real Express routers with the `cors` package's defaults, serving
// documents that Rust prepares (paths, snake_case bodies) at each request.
import cors from 'cors';
import express from 'express';

/** `routes`: `[path, document()]` per resource, in order. */
export const createResourceMetadataRouter = (routes) => {
  const router = express.Router();
  for (const [path, document] of routes) {
    router.use(path, cors());
    router.get(path, (request, response) => {
      response.status(200).json(document());
    });
  }
  return router;
};

/** `loadBody` may be async (a discovery config is fetched on first use). */
export const createDelegatedRouter = (path, loadBody) => {
  const router = express.Router();
  router.use(path, cors());
  router.get(path, async (request, response) => {
    response.status(200).json(await loadBody());
  });
  return router;
};
