/* SPDX-License-Identifier: Apache-2.0
 *
 * A small, strict JSON (RFC 8259) document model for the engine: tool definitions,
 * tool-call arguments and, later, the constrained decoder. Parsing is bounded in depth
 * and size and reports errors with a byte offset; serialising can reproduce the output
 * of Jinja's `tojson` filter byte for byte, which chat templates depend on.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SE_JSON_DEFAULT_MAX_DEPTH 128
#define SE_JSON_DEFAULT_MAX_SIZE  (16 * 1024 * 1024)

typedef enum
{
  SE_JSON_NULL,
  SE_JSON_BOOL,
  SE_JSON_NUMBER,
  SE_JSON_STRING,
  SE_JSON_ARRAY,
  SE_JSON_OBJECT,
} SeJsonType;

typedef enum
{
  /* "," and ":" with no spaces; numbers exactly as they were written in the source. */
  SE_JSON_STYLE_COMPACT,
  /* ", " and ": " as Python's json.dumps and Jinja's `tojson` (transformers,
   * @huggingface/jinja); non-ASCII kept as UTF-8, no HTML escaping, key order kept;
   * numbers printed from their double value the way @huggingface/jinja prints them
   * (JavaScript Number formatting, non-finite values as null). */
  SE_JSON_STYLE_TOJSON,
} SeJsonStyle;

typedef struct
{
  guint max_depth;  /* nesting limit; 0 means SE_JSON_DEFAULT_MAX_DEPTH */
  gsize max_size;   /* input size limit in bytes; 0 means SE_JSON_DEFAULT_MAX_SIZE */
} SeJsonLimits;

typedef struct _SeJsonNode SeJsonNode;

SeJsonNode   *se_json_parse                (const char          *text,
                                            gssize               length,
                                            GError             **error);
SeJsonNode   *se_json_parse_with_limits    (const char          *text,
                                            gssize               length,
                                            const SeJsonLimits  *limits,
                                            GError             **error);
void          se_json_node_free            (SeJsonNode          *node);

SeJsonType    se_json_node_get_node_type   (const SeJsonNode    *node);
const char   *se_json_type_name            (SeJsonType           type);
gboolean      se_json_node_get_bool        (const SeJsonNode    *node);
double        se_json_node_get_number      (const SeJsonNode    *node);
const char   *se_json_node_get_number_text (const SeJsonNode    *node);
const char   *se_json_node_get_string      (const SeJsonNode    *node,
                                            gsize               *length);
gsize         se_json_node_get_size        (const SeJsonNode    *node);
SeJsonNode   *se_json_node_get_element     (const SeJsonNode    *node,
                                            gsize                index);
const char   *se_json_node_get_member_name (const SeJsonNode    *node,
                                            gsize                index,
                                            gsize               *length);
SeJsonNode   *se_json_node_get_member      (const SeJsonNode    *node,
                                            const char          *name);

char         *se_json_node_to_string       (const SeJsonNode    *node,
                                            SeJsonStyle          style);
void          se_json_append_string        (GString             *out,
                                            const char          *str,
                                            gsize                length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeJsonNode, se_json_node_free)

G_END_DECLS
