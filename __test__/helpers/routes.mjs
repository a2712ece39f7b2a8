// Express routes that answer the AuthInfo their bearer middleware handed on, for suites that mount
// many middlewares on one app: a middleware whose setup throws becomes a 599 route reporting the
// error, so one refused configuration fails its own tests (through `noSetupError`), not the suite.
import assert from 'node:assert/strict';

export const authInfoRoutes = () => {
  /** The AuthInfo each route handed on last (`req.auth`, the object itself), by path. */
  const seen = new Map();
  /** Errors thrown while setting up a route (bearerAuth throwing synchronously), by path. */
  const setupErrors = new Map();

  /**
   * `makeMiddleware()` on `path` (`mount`: `app.use`, else `app.all`), followed by a handler
   * answering `req.auth` as JSON (`answer: false`: none, the caller mounts its own).
   */
  const guard = (app, path, makeMiddleware, { mount = false, answer = true } = {}) => {
    let middleware;
    try {
      middleware = makeMiddleware();
    } catch (error) {
      setupErrors.set(path, error);
      middleware = (req, res) => res.status(599).json({ setupError: { name: error?.name, code: error?.code, message: error?.message } });
    }
    const handlers = answer
      ? [
          middleware,
          (req, res) => {
            seen.set(path, req.auth);
            res.json(req.auth);
          },
        ]
      : [middleware];
    if (mount) app.use(path, ...handlers);
    else app.all(path, ...handlers);
  };

  /** Fails with the setup error of each of `paths`, if its bearerAuth threw. */
  const noSetupError = (...paths) => {
    for (const path of paths) {
      const error = setupErrors.get(path);
      if (error) assert.fail(`bearerAuth for ${path} threw at setup: ${error?.name}: ${error?.message}`);
    }
  };

  return { guard, seen, noSetupError };
};
