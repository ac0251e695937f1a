/* SPDX-License-Identifier: Apache-2.0
 *
 * Read access to parsed JSON documents and the two serialisers. The `tojson` style
 * reproduces what chat templates rendered by Jinja emit, so prompts built in C match
 * the reference renderer byte for byte.
 */
#include "se-json-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GHashTable *
_se_json_name_set_new (void)
{
  return g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                (GDestroyNotify) g_bytes_unref, NULL);
}

/* Returns FALSE when the name is already in the set. The set borrows the bytes. */
gboolean
_se_json_name_set_add (GHashTable *set,
                       const char *name,
                       gsize       len)
{
  GBytes *key = g_bytes_new_static (name, len);

  if (g_hash_table_contains (set, key))
    {
      g_bytes_unref (key);
      return FALSE;
    }
  g_hash_table_add (set, key);
  return TRUE;
}

SeJsonType
se_json_node_get_node_type (const SeJsonNode *node)
{
  g_return_val_if_fail (node != NULL, SE_JSON_NULL);
  return node->type;
}

const char *
se_json_type_name (SeJsonType type)
{
  static const char *const names[] = { "null", "boolean", "number", "string", "array", "object" };

  if ((guint) type < G_N_ELEMENTS (names))
    return names[type];
  return "invalid";
}

gboolean
se_json_node_get_bool (const SeJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node->type == SE_JSON_BOOL, FALSE);
  return node->boolean;
}

double
se_json_node_get_number (const SeJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node->type == SE_JSON_NUMBER, 0.0);
  return node->number.value;
}

const char *
se_json_node_get_number_text (const SeJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node->type == SE_JSON_NUMBER, NULL);
  return node->number.text;
}

const char *
se_json_node_get_string (const SeJsonNode *node,
                         gsize            *length)
{
  g_return_val_if_fail (node != NULL && node->type == SE_JSON_STRING, NULL);
  if (length != NULL)
    *length = node->string.len;
  return node->string.data;
}

gsize
se_json_node_get_size (const SeJsonNode *node)
{
  g_return_val_if_fail (node != NULL, 0);
  if (node->type != SE_JSON_ARRAY && node->type != SE_JSON_OBJECT)
    return 0;
  return node->container.n;
}

/* For arrays the element, for objects the value of the index-th member. */
SeJsonNode *
se_json_node_get_element (const SeJsonNode *node,
                          gsize             index)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (node->type == SE_JSON_ARRAY || node->type == SE_JSON_OBJECT, NULL);
  g_return_val_if_fail (index < node->container.n, NULL);
  return node->container.items[index];
}

const char *
se_json_node_get_member_name (const SeJsonNode *node,
                              gsize             index,
                              gsize            *length)
{
  g_return_val_if_fail (node != NULL && node->type == SE_JSON_OBJECT, NULL);
  g_return_val_if_fail (index < node->container.n, NULL);
  if (length != NULL)
    *length = node->container.names[index].len;
  return node->container.names[index].data;
}

/* The value of member @name, or NULL when @node is not an object or has no such key. */
SeJsonNode *
se_json_node_get_member (const SeJsonNode *node,
                         const char       *name)
{
  gsize len;

  g_return_val_if_fail (node != NULL && name != NULL, NULL);
  if (node->type != SE_JSON_OBJECT)
    return NULL;
  len = strlen (name);
  for (gsize i = 0; i < node->container.n; i++)
    if (node->container.names[i].len == len && memcmp (node->container.names[i].data, name, len) == 0)
      return node->container.items[i];
  return NULL;
}

/* Escapes as JSON.stringify and Python's json.dumps(ensure_ascii=False) do: quote,
 * backslash and C0 controls only; everything else, DEL and U+2028 included, raw. */
void
se_json_append_string (GString    *out,
                       const char *str,
                       gsize       length)
{
  gsize run = 0;

  g_string_append_c (out, '"');
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) str[i];
      const char *esc = NULL;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, str + run, i - run);
      run = i + 1;
      switch (c)
        {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
      if (esc != NULL)
        g_string_append (out, esc);
      else
        g_string_append_printf (out, "\\u%04x", c);
    }
  g_string_append_len (out, str + run, length - run);
  g_string_append_c (out, '"');
}

/* Shortest digits that read back as @v: "d.ddde±x" in @buf. */
static void
shortest_exponential (double v, char *buf, gsize size)
{
  for (int prec = 0; prec < 17; prec++)
    {
      char fmt[16];

      g_snprintf (fmt, sizeof fmt, "%%.%de", prec);
      g_ascii_formatd (buf, size, fmt, v);
      if (g_ascii_strtod (buf, NULL) == v)
        return;
    }
  g_ascii_formatd (buf, size, "%.16e", v);
}

/* Number::toString from ECMA-262 (7.1.12.1), which is what @huggingface/jinja's
 * tojson prints for every number. */
static void
append_js_number (GString *out, double v)
{
  char buf[40], digits[24];
  const char *e;
  int k = 0, n;

  if (!isfinite (v))
    {
      g_string_append (out, "null");
      return;
    }
  if (v == 0)
    {
      g_string_append_c (out, '0');
      return;
    }
  if (v < 0)
    {
      g_string_append_c (out, '-');
      v = -v;
    }
  shortest_exponential (v, buf, sizeof buf);
  e = strchr (buf, 'e');
  for (const char *s = buf; s < e; s++)
    if (g_ascii_isdigit (*s))
      digits[k++] = *s;
  while (k > 1 && digits[k - 1] == '0')
    k--;
  digits[k] = '\0';
  n = atoi (e + 1) + 1;

  if (k <= n && n <= 21)
    {
      g_string_append (out, digits);
      for (int i = k; i < n; i++)
        g_string_append_c (out, '0');
    }
  else if (0 < n && n <= 21)
    g_string_append_printf (out, "%.*s.%s", n, digits, digits + n);
  else if (-6 < n && n <= 0)
    {
      g_string_append (out, "0.");
      for (int i = n; i < 0; i++)
        g_string_append_c (out, '0');
      g_string_append (out, digits);
    }
  else
    {
      g_string_append_c (out, digits[0]);
      if (k > 1)
        g_string_append_printf (out, ".%s", digits + 1);
      g_string_append_printf (out, "e%c%d", n - 1 >= 0 ? '+' : '-', ABS (n - 1));
    }
}

static void
write_node (GString *out, const SeJsonNode *node, SeJsonStyle style)
{
  gboolean tojson = style == SE_JSON_STYLE_TOJSON;

  switch (node->type)
    {
    case SE_JSON_NULL:
      g_string_append (out, "null");
      break;
    case SE_JSON_BOOL:
      g_string_append (out, node->boolean ? "true" : "false");
      break;
    case SE_JSON_NUMBER:
      if (tojson)
        append_js_number (out, node->number.value);
      else
        g_string_append (out, node->number.text);
      break;
    case SE_JSON_STRING:
      se_json_append_string (out, node->string.data, node->string.len);
      break;
    case SE_JSON_ARRAY:
    case SE_JSON_OBJECT:
      g_string_append_c (out, node->type == SE_JSON_ARRAY ? '[' : '{');
      for (gsize i = 0; i < node->container.n; i++)
        {
          if (i > 0)
            g_string_append (out, tojson ? ", " : ",");
          if (node->type == SE_JSON_OBJECT)
            {
              se_json_append_string (out, node->container.names[i].data,
                                     node->container.names[i].len);
              g_string_append (out, tojson ? ": " : ":");
            }
          write_node (out, node->container.items[i], style);
        }
      g_string_append_c (out, node->type == SE_JSON_ARRAY ? ']' : '}');
      break;
    default:
      g_assert_not_reached ();
    }
}

char *
se_json_node_to_string (const SeJsonNode *node,
                        SeJsonStyle       style)
{
  GString *out;

  g_return_val_if_fail (node != NULL, NULL);

  out = g_string_new (NULL);
  write_node (out, node, style);
  return g_string_free (out, FALSE);
}
