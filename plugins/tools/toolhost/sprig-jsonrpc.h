/* SPDX-License-Identifier: Apache-2.0
 *
 * JSON-RPC 2.0 messages as MCP's stdio transport carries them: one JSON object per
 * line, no batches. Parsing classifies a line as request, notification or response and
 * reports a bad one with the JSON-RPC error code its answer needs; the writers build
 * complete lines (ending in '\n', never a newline inside). Shared by sprig-toolhost and
 * the MCP client.
 */
#pragma once

#include <glib.h>

#include "sprig/se-json.h"

G_BEGIN_DECLS

/* Error codes of JSON-RPC 2.0, used as GError codes in SPRIG_JSONRPC_ERROR. */
#define SPRIG_JSONRPC_PARSE_ERROR      (-32700)
#define SPRIG_JSONRPC_INVALID_REQUEST  (-32600)
#define SPRIG_JSONRPC_METHOD_NOT_FOUND (-32601)
#define SPRIG_JSONRPC_INVALID_PARAMS   (-32602)
#define SPRIG_JSONRPC_INTERNAL_ERROR   (-32603)

#define SPRIG_JSONRPC_ERROR (sprig_jsonrpc_error_quark ())
GQuark sprig_jsonrpc_error_quark (void);

typedef enum
{
  SPRIG_JSONRPC_REQUEST,
  SPRIG_JSONRPC_NOTIFICATION,
  SPRIG_JSONRPC_RESPONSE,       /* result or error */
} SprigJsonRpcKind;

typedef struct
{
  SprigJsonRpcKind kind;
  SeJsonNode *root;
  char *id;               /* the id as compact JSON text (requests, responses) */
  const char *method;     /* requests, notifications */
  SeJsonNode *params;     /* requests, notifications; NULL when absent */
  SeJsonNode *result;     /* responses */
  SeJsonNode *error;      /* error responses */
} SprigJsonRpcMessage;

/* Fills @msg from one line. On failure the error's code is SPRIG_JSONRPC_PARSE_ERROR or
 * SPRIG_JSONRPC_INVALID_REQUEST, and @msg->id holds the id when one could be read (the
 * answer must carry it; otherwise it carries null). Clear @msg either way. */
gboolean sprig_jsonrpc_parse        (const char          *line,
                                     gsize                len,
                                     SprigJsonRpcMessage *msg,
                                     GError             **error);
void     sprig_jsonrpc_message_clear (SprigJsonRpcMessage *msg);

/* Lines to send. @id is JSON text (NULL: null); @json arguments are JSON texts on one
 * line (NULL: omitted params, or {} for a result). */
char    *sprig_jsonrpc_result_line  (const char *id,
                                     const char *result_json);
char    *sprig_jsonrpc_error_line   (const char *id,
                                     int         code,
                                     const char *message);
char    *sprig_jsonrpc_request_line (gint64      id,
                                     const char *method,
                                     const char *params_json);
char    *sprig_jsonrpc_notification_line (const char *method,
                                          const char *params_json);

/* Small helpers over SeJsonNode for the MCP fields. */
const char *sprig_json_get_string   (const SeJsonNode *object,
                                     const char       *member);
gboolean    sprig_json_get_bool     (const SeJsonNode *object,
                                     const char       *member,
                                     gboolean          fallback);
/* Appends "\"key\": " + a JSON string. */
void        sprig_json_append_member_string (GString    *out,
                                             const char *key,
                                             const char *value);

G_END_DECLS
