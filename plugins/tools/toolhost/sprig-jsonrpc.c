/* SPDX-License-Identifier: Apache-2.0
 *
 * JSON-RPC 2.0 over newline-delimited JSON (MCP stdio): classify one line, build
 * answers. The engine's strict JSON parser reads; GString writes, with strings escaped
 * by se_json_append_string(), so no line ever holds a raw newline.
 */
#include "config.h"

#include <string.h>

#include "sprig-jsonrpc.h"

G_DEFINE_QUARK (sprig-jsonrpc-error-quark, sprig_jsonrpc_error)

/* A line is one message; 16 MiB is far beyond any tool's schema or (capped) output. */
#define MAX_LINE (16 * 1024 * 1024)

void
sprig_jsonrpc_message_clear (SprigJsonRpcMessage *msg)
{
  g_clear_pointer (&msg->root, se_json_node_free);
  g_clear_pointer (&msg->id, g_free);
  memset (msg, 0, sizeof *msg);
}

static gboolean
invalid (GError    **error,
         const char *what)
{
  g_set_error (error, SPRIG_JSONRPC_ERROR, SPRIG_JSONRPC_INVALID_REQUEST,
               "Invalid request: %s", what);
  return FALSE;
}

gboolean
sprig_jsonrpc_parse (const char          *line,
                     gsize                len,
                     SprigJsonRpcMessage *msg,
                     GError             **error)
{
  static const SeJsonLimits limits = { 64, MAX_LINE };
  g_autoptr(GError) local = NULL;
  SeJsonNode *version, *id, *method;

  memset (msg, 0, sizeof *msg);
  msg->root = se_json_parse_with_limits (line, len, &limits, &local);
  if (msg->root == NULL)
    return g_set_error (error, SPRIG_JSONRPC_ERROR, SPRIG_JSONRPC_PARSE_ERROR,
                        "Parse error: %s", local->message), FALSE;
  if (se_json_node_get_node_type (msg->root) != SE_JSON_OBJECT)
    return invalid (error, "a message is a JSON object (batches are not supported)");

  id = se_json_node_get_member (msg->root, "id");
  if (id != NULL)
    {
      SeJsonType t = se_json_node_get_node_type (id);

      if (t != SE_JSON_STRING && t != SE_JSON_NUMBER)
        return invalid (error, "“id” must be a string or a number");
      msg->id = se_json_node_to_string (id, SE_JSON_STYLE_COMPACT);
    }
  version = se_json_node_get_member (msg->root, "jsonrpc");
  if (version == NULL || se_json_node_get_node_type (version) != SE_JSON_STRING
      || !g_str_equal (se_json_node_get_string (version, NULL), "2.0"))
    return invalid (error, "“jsonrpc” must be \"2.0\"");

  method = se_json_node_get_member (msg->root, "method");
  if (method != NULL)
    {
      if (se_json_node_get_node_type (method) != SE_JSON_STRING)
        return invalid (error, "“method” must be a string");
      msg->method = se_json_node_get_string (method, NULL);
      msg->params = se_json_node_get_member (msg->root, "params");
      if (msg->params != NULL && se_json_node_get_node_type (msg->params) != SE_JSON_OBJECT
          && se_json_node_get_node_type (msg->params) != SE_JSON_ARRAY)
        return invalid (error, "“params” must be an object or an array");
      msg->kind = id ? SPRIG_JSONRPC_REQUEST : SPRIG_JSONRPC_NOTIFICATION;
      return TRUE;
    }
  msg->result = se_json_node_get_member (msg->root, "result");
  msg->error = se_json_node_get_member (msg->root, "error");
  if (id == NULL || (msg->result == NULL) == (msg->error == NULL))
    return invalid (error, "neither a request nor a response");
  if (msg->error != NULL && se_json_node_get_node_type (msg->error) != SE_JSON_OBJECT)
    return invalid (error, "“error” must be an object");
  msg->kind = SPRIG_JSONRPC_RESPONSE;
  return TRUE;
}

char *
sprig_jsonrpc_result_line (const char *id,
                           const char *result_json)
{
  return g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}\n", id ? id : "null",
                          result_json ? result_json : "{}");
}

char *
sprig_jsonrpc_error_line (const char *id,
                          int         code,
                          const char *message)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":%d,",
                          id ? id : "null", code);
  sprig_json_append_member_string (out, "message", message);
  g_string_append (out, "}}\n");
  return g_string_free (out, FALSE);
}

static char *
method_line (const char *id_text,
             const char *method,
             const char *params_json)
{
  GString *out = g_string_new ("{\"jsonrpc\":\"2.0\",");

  if (id_text != NULL)
    g_string_append_printf (out, "\"id\":%s,", id_text);
  sprig_json_append_member_string (out, "method", method);
  if (params_json != NULL)
    g_string_append_printf (out, ",\"params\":%s", params_json);
  g_string_append (out, "}\n");
  return g_string_free (out, FALSE);
}

char *
sprig_jsonrpc_request_line (gint64      id,
                            const char *method,
                            const char *params_json)
{
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  return method_line (id_text, method, params_json);
}

char *
sprig_jsonrpc_notification_line (const char *method,
                                 const char *params_json)
{
  return method_line (NULL, method, params_json);
}

const char *
sprig_json_get_string (const SeJsonNode *object,
                       const char       *member)
{
  SeJsonNode *n;

  if (object == NULL || se_json_node_get_node_type (object) != SE_JSON_OBJECT)
    return NULL;
  n = se_json_node_get_member (object, member);
  if (n == NULL || se_json_node_get_node_type (n) != SE_JSON_STRING)
    return NULL;
  return se_json_node_get_string (n, NULL);
}

gboolean
sprig_json_get_bool (const SeJsonNode *object,
                     const char       *member,
                     gboolean          fallback)
{
  SeJsonNode *n;

  if (object == NULL || se_json_node_get_node_type (object) != SE_JSON_OBJECT)
    return fallback;
  n = se_json_node_get_member (object, member);
  if (n == NULL || se_json_node_get_node_type (n) != SE_JSON_BOOL)
    return fallback;
  return se_json_node_get_bool (n);
}

void
sprig_json_append_member_string (GString    *out,
                                 const char *key,
                                 const char *value)
{
  se_json_append_string (out, key, strlen (key));
  g_string_append_c (out, ':');
  se_json_append_string (out, value ? value : "", value ? strlen (value) : 0);
}
