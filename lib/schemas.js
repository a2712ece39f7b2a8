// zod schemas of the public API, built from the addon's field lists (the lists Rust parses with),
// so the JS objects and the native checks cannot drift apart.
import { z } from 'zod';
import { tables } from './native.js';

const zodOf = (kind) => {
  if (kind === 'string') return z.string();
  if (kind === 'boolean') return z.boolean();
  return z.array(z.string());
};

const buildSchema = (fields, keyOf) =>
  z.object(
    Object.fromEntries(fields.map((field) => [keyOf(field), field.required ? zodOf(field.kind) : zodOf(field.kind).optional()])),
  );

const snake = (field) => field.name;
const camel = (field) => field.camel;

export const authServerFieldNames = tables.authServerFields.map(snake);
export const camelAuthServerFieldNames = tables.authServerFields.map(camel);

export const authorizationServerMetadataSchema = buildSchema(tables.authServerFields, snake);
export const camelCaseAuthorizationServerMetadataSchema = buildSchema(tables.authServerFields, camel);
export const protectedResourceMetadataSchema = buildSchema(tables.protectedResourceFields, snake);
export const camelCaseProtectedResourceMetadataSchema = buildSchema(tables.protectedResourceFields, camel);
