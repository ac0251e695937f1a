/* SPDX-License-Identifier: Apache-2.0
 *
 * The layout of SeJsonNode, shared by the parser (se-json.c) and the accessors and
 * serialisers (se-json-write.c). Nothing outside the JSON module includes this.
 */
#pragma once

#include "sprig/se-json.h"

G_BEGIN_DECLS

typedef struct
{
  char *data;  /* UTF-8, NUL-terminated, may contain NULs from \u0000 */
  gsize len;
} SeJsonName;

struct _SeJsonNode
{
  SeJsonType type;
  union
  {
    gboolean boolean;
    struct
    {
      double value;
      char *text;  /* the number exactly as written in the source */
    } number;
    struct
    {
      char *data;
      gsize len;
    } string;
    struct
    {
      SeJsonNode **items;
      SeJsonName *names;  /* objects only, parallel to items */
      gsize n;
    } container;
  };
};

GHashTable *_se_json_name_set_new (void);
gboolean    _se_json_name_set_add (GHashTable *set,
                                   const char *name,
                                   gsize       len);

G_END_DECLS
