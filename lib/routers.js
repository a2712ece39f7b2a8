// The two metadata routers: real Express routers with the `cors` package's defaults, serving
// documents that Rust prepared (paths, snake_case bodies).
import cors from 'cors';
import express from 'express';

export const createResourceMetadataRouter = (routes) => {
  const router = express.Router();
  for (const [path, body] of routes) {
    router.use(path, cors());
    router.get(path, (request, response) => {
      response.status(200).json(body);
    });
  }
  return router;
};

/** `loadBody` runs on each request when the document was not known up front (discovery). */
export const createDelegatedRouter = (path, staticBody, loadBody) => {
  const router = express.Router();
  router.use(path, cors());
  router.get(path, async (request, response) => {
    response.status(200).json(staticBody ?? (await loadBody()));
  });
  return router;
};
