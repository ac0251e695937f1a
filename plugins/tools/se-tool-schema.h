/* SPDX-License-Identifier: Apache-2.0
 *
 * The subset of JSON Schema that tool parameters use, compiled once per tool for the
 * constrained decoder and the argument check: types string, number, integer, boolean,
 * null, object (properties, required, additionalProperties) and array (items, minItems,
 * maxItems), enum and const, string maxLength. Anything else is accepted as "any value".
 */
#pragma once

#include <glib.h>

#include "sprig/se-json.h"

G_BEGIN_DECLS

#define SE_TOOL_SCHEMA_MAX_PROPS 64
#define SE_TOOL_SCHEMA_MAX_ENUM  64
#define SE_TOOL_SCHEMA_MAX_DEPTH 16

typedef enum
{
  SE_SCH_ANY,
  SE_SCH_STRING,
  SE_SCH_NUMBER,
  SE_SCH_INTEGER,
  SE_SCH_BOOLEAN,
  SE_SCH_NULL,
  SE_SCH_OBJECT,
  SE_SCH_ARRAY,
  SE_SCH_ENUM,
} SeSchKind;

/* A set of byte strings matched by prefix: enum values in compact JSON, object keys
 * as quoted JSON strings, tool names. */
typedef struct
{
  guint n;
  char **texts;
  guint16 *lens;
} SeLitSet;

typedef struct _SeToolSchema SeToolSchema;

struct _SeToolSchema
{
  SeSchKind kind;
  /* object */
  guint n_props;
  char **prop_names;
  SeToolSchema **props;
  SeLitSet keys;               /* "name" for each property, quoted */
  guint64 required;            /* bit i: prop i is required */
  gboolean closed;             /* additionalProperties: false */
  /* array */
  SeToolSchema *items;         /* NULL: any */
  guint min_items, max_items;  /* max 0: unbounded */
  /* string */
  guint max_length;            /* characters; 0: unbounded */
  /* enum */
  SeLitSet values;
  SeJsonNode **enum_nodes;
};

SeToolSchema *_se_tool_schema_compile  (const SeJsonNode   *schema,
                                        GError            **error);
void          _se_tool_schema_free     (SeToolSchema       *schema);
/* Whether @value is valid for @schema; @error says where it is not. */
gboolean      _se_tool_schema_validate (const SeToolSchema *schema,
                                        const SeJsonNode   *value,
                                        GError            **error);

void          _se_lit_set_init         (SeLitSet           *set,
                                        guint               n);
void          _se_lit_set_take         (SeLitSet           *set,
                                        guint               i,
                                        char               *text);
void          _se_lit_set_clear        (SeLitSet           *set);

/* Canonical compact JSON: object keys sorted, numbers by value; equal values give equal
 * text. */
char         *_se_tool_json_canonical  (const SeJsonNode   *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeToolSchema, _se_tool_schema_free)

G_END_DECLS
