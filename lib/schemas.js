'use strict';
// zod schemas of the public API, built from the addon's field lists (the same lists Rust parses
// with), so the JS objects and the native checks cannot drift apart.

const { z } = require('zod');
const { tables } = require('./native.js');

const zodOf = (kind) => {
  if (kind === 'string') return z.string();
  if (kind === 'boolean') return z.boolean();
  return z.array(z.string());
};

const buildSchema = (fields, keyOf) =>
  z.object(
    Object.fromEntries(
      fields.map((field) => [keyOf(field), field.required ? zodOf(field.kind) : zodOf(field.kind).optional()]),
    ),
  );

const snake = (field) => field.name;
const camel = (field) => field.camel;

module.exports = {
  authorizationServerMetadataSchema: buildSchema(tables.authServerFields, snake),
  camelCaseAuthorizationServerMetadataSchema: buildSchema(tables.authServerFields, camel),
  protectedResourceMetadataSchema: buildSchema(tables.protectedResourceFields, snake),
  camelCaseProtectedResourceMetadataSchema: buildSchema(tables.protectedResourceFields, camel),
};
