/* SPDX-License-Identifier: Apache-2.0
 *
 * Strict RFC 8259 parser and the document model behind se-json.h. Every byte is
 * checked before use; malformed, oversized or too deeply nested input is a GError
 * naming the byte offset, never a crash. Serialisers live in se-json-write.c.
 */
#include "sprig/se-json.h"
#include "sprig/se-error.h"
#include "se-json-private.h"

#include <string.h>

typedef struct
{
  const char *text;
  gsize len;
  gsize pos;
  guint depth;
  guint max_depth;
} Parser;

static SeJsonNode *parse_value (Parser *p, GError **error);

static SeJsonNode *
node_new (SeJsonType type)
{
  SeJsonNode *node = g_new0 (SeJsonNode, 1);

  node->type = type;
  return node;
}

void
se_json_node_free (SeJsonNode *node)
{
  if (node == NULL)
    return;

  switch (node->type)
    {
    case SE_JSON_NUMBER:
      g_free (node->number.text);
      break;
    case SE_JSON_STRING:
      g_free (node->string.data);
      break;
    case SE_JSON_ARRAY:
    case SE_JSON_OBJECT:
      for (gsize i = 0; i < node->container.n; i++)
        {
          if (node->container.names != NULL)
            g_free (node->container.names[i].data);
          se_json_node_free (node->container.items[i]);
        }
      g_free (node->container.items);
      g_free (node->container.names);
      break;
    case SE_JSON_NULL:
    case SE_JSON_BOOL:
    default:
      break;
    }
  g_free (node);
}

static gboolean G_GNUC_PRINTF (3, 4)
fail (Parser     *p,
      GError    **error,
      const char *format,
      ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);

  if (p->pos >= p->len)
    g_set_error (error, SE_ERROR, SE_ERROR_TRUNCATED,
                 "JSON: unexpected end of input at byte %" G_GSIZE_FORMAT " (%s)",
                 p->pos, msg);
  else
    g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                 "JSON: %s at byte %" G_GSIZE_FORMAT, msg, p->pos);
  return FALSE;
}

static gboolean
fail_unexpected (Parser *p, GError **error, const char *expected)
{
  guchar c = p->pos < p->len ? (guchar) p->text[p->pos] : 0;

  if (p->pos >= p->len)
    return fail (p, error, "expected %s", expected);
  if (c >= 0x20 && c < 0x7f)
    return fail (p, error, "expected %s, found '%c'", expected, c);
  return fail (p, error, "expected %s, found byte 0x%02x", expected, c);
}

static void
skip_ws (Parser *p)
{
  while (p->pos < p->len)
    {
      char c = p->text[p->pos];

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      p->pos++;
    }
}

static gboolean
parse_literal (Parser     *p,
               const char *word,
               GError    **error)
{
  gsize n = strlen (word);

  for (gsize i = 0; i < n; i++)
    {
      if (p->pos >= p->len || p->text[p->pos] != word[i])
        return fail_unexpected (p, error, word);
      p->pos++;
    }
  return TRUE;
}

static gboolean
skip_digits (Parser *p)
{
  gsize start = p->pos;

  while (p->pos < p->len && g_ascii_isdigit (p->text[p->pos]))
    p->pos++;
  return p->pos > start;
}

static SeJsonNode *
parse_number (Parser *p, GError **error)
{
  gsize start = p->pos;
  SeJsonNode *node;

  if (p->text[p->pos] == '-')
    p->pos++;
  if (p->pos < p->len && p->text[p->pos] == '0')
    p->pos++;
  else if (!skip_digits (p))
    return fail_unexpected (p, error, "a digit"), NULL;

  if (p->pos < p->len && p->text[p->pos] == '.')
    {
      p->pos++;
      if (!skip_digits (p))
        return fail_unexpected (p, error, "a digit after '.'"), NULL;
    }
  if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E'))
    {
      p->pos++;
      if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
        p->pos++;
      if (!skip_digits (p))
        return fail_unexpected (p, error, "a digit in the exponent"), NULL;
    }

  node = node_new (SE_JSON_NUMBER);
  node->number.text = g_strndup (p->text + start, p->pos - start);
  /* Out-of-range values become ±inf or 0; the source text stays exact. */
  node->number.value = g_ascii_strtod (node->number.text, NULL);
  return node;
}

static int
hex4 (const char *s)
{
  int v = 0;

  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (s[i]);

      if (d < 0)
        return -1;
      v = (v << 4) | d;
    }
  return v;
}

/* Reads the four hex digits after "\u" at p->pos and advances past them. */
static gboolean
read_hex4 (Parser *p, int *out, GError **error)
{
  if (p->len - p->pos < 4)
    {
      p->pos = p->len;
      return fail (p, error, "truncated \\u escape");
    }
  *out = hex4 (p->text + p->pos);
  if (*out < 0)
    return fail (p, error, "invalid \\u escape");
  p->pos += 4;
  return TRUE;
}

static gboolean
parse_unicode_escape (Parser *p, GString *buf, GError **error)
{
  gsize esc_start = p->pos - 2;
  int hi, lo;
  gunichar cp;

  if (!read_hex4 (p, &hi, error))
    return FALSE;

  if (hi >= 0xDC00 && hi <= 0xDFFF)
    {
      p->pos = esc_start;
      return fail (p, error, "lone low surrogate \\u%04x", (guint) hi);
    }
  if (hi >= 0xD800 && hi <= 0xDBFF)
    {
      if (p->len - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u')
        {
          p->pos = esc_start;
          return fail (p, error, "high surrogate \\u%04x without a low surrogate",
                       (guint) hi);
        }
      p->pos += 2;
      if (!read_hex4 (p, &lo, error))
        return FALSE;
      if (lo < 0xDC00 || lo > 0xDFFF)
        {
          p->pos = esc_start;
          return fail (p, error, "high surrogate \\u%04x without a low surrogate",
                       (guint) hi);
        }
      cp = 0x10000 + (((gunichar) hi - 0xD800) << 10) + ((gunichar) lo - 0xDC00);
    }
  else
    cp = (gunichar) hi;

  g_string_append_unichar (buf, cp);
  return TRUE;
}

static gboolean
parse_escape (Parser *p, GString *buf, GError **error)
{
  char c;

  p->pos++;  /* the backslash */
  if (p->pos >= p->len)
    return fail (p, error, "unterminated escape");
  c = p->text[p->pos++];
  switch (c)
    {
    case '"': g_string_append_c (buf, '"'); return TRUE;
    case '\\': g_string_append_c (buf, '\\'); return TRUE;
    case '/': g_string_append_c (buf, '/'); return TRUE;
    case 'b': g_string_append_c (buf, '\b'); return TRUE;
    case 'f': g_string_append_c (buf, '\f'); return TRUE;
    case 'n': g_string_append_c (buf, '\n'); return TRUE;
    case 'r': g_string_append_c (buf, '\r'); return TRUE;
    case 't': g_string_append_c (buf, '\t'); return TRUE;
    case 'u': return parse_unicode_escape (p, buf, error);
    default:
      p->pos--;
      return fail_unexpected (p, error, "a valid escape character");
    }
}

/* Parses a string at p->pos (on the opening quote). The whole input was already
 * checked to be valid UTF-8, so raw bytes are copied as they are. */
static gboolean
parse_string_raw (Parser *p, char **out, gsize *out_len, GError **error)
{
  g_autoptr(GString) buf = g_string_new (NULL);

  p->pos++;
  for (;;)
    {
      gsize run = p->pos;
      guchar c;

      while (p->pos < p->len && p->text[p->pos] != '"' && p->text[p->pos] != '\\'
             && (guchar) p->text[p->pos] >= 0x20)
        p->pos++;
      g_string_append_len (buf, p->text + run, p->pos - run);
      if (p->pos >= p->len)
        return fail (p, error, "unterminated string");
      c = (guchar) p->text[p->pos];
      if (c == '"')
        break;
      if (c < 0x20)
        return fail (p, error, "unescaped control character 0x%02x in string", c);
      if (!parse_escape (p, buf, error))
        return FALSE;
    }
  p->pos++;
  *out_len = buf->len;
  *out = g_string_free (g_steal_pointer (&buf), FALSE);
  return TRUE;
}

static SeJsonNode *
parse_string (Parser *p, GError **error)
{
  char *data;
  gsize len;
  SeJsonNode *node;

  if (!parse_string_raw (p, &data, &len, error))
    return NULL;
  node = node_new (SE_JSON_STRING);
  node->string.data = data;
  node->string.len = len;
  return node;
}

static void
container_push (SeJsonNode *node, gsize *cap, SeJsonNode *item, char *name, gsize name_len)
{
  if (node->container.n == *cap)
    {
      *cap = *cap ? *cap * 2 : 4;
      node->container.items = g_renew (SeJsonNode *, node->container.items, *cap);
      if (node->type == SE_JSON_OBJECT)
        node->container.names = g_renew (SeJsonName, node->container.names, *cap);
    }
  node->container.items[node->container.n] = item;
  if (node->type == SE_JSON_OBJECT)
    {
      node->container.names[node->container.n].data = name;
      node->container.names[node->container.n].len = name_len;
    }
  node->container.n++;
}

static gboolean
enter (Parser *p, GError **error)
{
  if (p->depth >= p->max_depth)
    return fail (p, error, "nesting deeper than %u levels", p->max_depth);
  p->depth++;
  p->pos++;
  skip_ws (p);
  return TRUE;
}

/* After an element: returns 1 on ',', 0 on the closing bracket, -1 on error. */
static int
next_or_close (Parser *p, char close, GError **error)
{
  skip_ws (p);
  if (p->pos < p->len && p->text[p->pos] == ',')
    {
      p->pos++;
      skip_ws (p);
      return 1;
    }
  if (p->pos < p->len && p->text[p->pos] == close)
    {
      p->pos++;
      p->depth--;
      return 0;
    }
  fail_unexpected (p, error, close == ']' ? "',' or ']'" : "',' or '}'");
  return -1;
}

static SeJsonNode *
parse_array (Parser *p, GError **error)
{
  g_autoptr(SeJsonNode) node = node_new (SE_JSON_ARRAY);
  gsize cap = 0;
  int r;

  if (!enter (p, error))
    return NULL;
  if (p->pos < p->len && p->text[p->pos] == ']')
    {
      p->pos++;
      p->depth--;
      return g_steal_pointer (&node);
    }
  do
    {
      SeJsonNode *item = parse_value (p, error);

      if (item == NULL)
        return NULL;
      container_push (node, &cap, item, NULL, 0);
    }
  while ((r = next_or_close (p, ']', error)) == 1);

  return r == 0 ? g_steal_pointer (&node) : NULL;
}

static gboolean
parse_member (Parser *p, SeJsonNode *node, gsize *cap, GHashTable *seen, GError **error)
{
  gsize key_pos = p->pos;
  char *name;
  gsize name_len;
  SeJsonNode *value;

  if (p->pos >= p->len || p->text[p->pos] != '"')
    return fail_unexpected (p, error, "a string key");
  if (!parse_string_raw (p, &name, &name_len, error))
    return FALSE;
  /* RFC 8259 leaves duplicate names undefined; readers disagree on which one wins,
   * so a tool call with two "path" members is refused rather than guessed at. */
  if (!_se_json_name_set_add (seen, name, name_len))
    {
      g_autofree char *escaped = g_strescape (name, NULL);

      g_free (name);
      p->pos = key_pos;
      return fail (p, error, "duplicate key \"%s\"", escaped);
    }
  skip_ws (p);
  if (p->pos >= p->len || p->text[p->pos] != ':')
    {
      g_free (name);
      return fail_unexpected (p, error, "':'");
    }
  p->pos++;
  skip_ws (p);
  value = parse_value (p, error);
  if (value == NULL)
    {
      g_free (name);
      return FALSE;
    }
  container_push (node, cap, value, name, name_len);
  return TRUE;
}

static SeJsonNode *
parse_object (Parser *p, GError **error)
{
  g_autoptr(SeJsonNode) node = node_new (SE_JSON_OBJECT);
  g_autoptr(GHashTable) seen = _se_json_name_set_new ();
  gsize cap = 0;
  int r;

  if (!enter (p, error))
    return NULL;
  if (p->pos < p->len && p->text[p->pos] == '}')
    {
      p->pos++;
      p->depth--;
      return g_steal_pointer (&node);
    }
  do
    {
      if (!parse_member (p, node, &cap, seen, error))
        return NULL;
    }
  while ((r = next_or_close (p, '}', error)) == 1);

  return r == 0 ? g_steal_pointer (&node) : NULL;
}

static SeJsonNode *
parse_value (Parser *p, GError **error)
{
  SeJsonNode *node;

  if (p->pos >= p->len)
    return fail (p, error, "expected a value"), NULL;

  switch (p->text[p->pos])
    {
    case '{': return parse_object (p, error);
    case '[': return parse_array (p, error);
    case '"': return parse_string (p, error);
    case 't':
    case 'f':
      {
        gboolean value = p->text[p->pos] == 't';

        if (!parse_literal (p, value ? "true" : "false", error))
          return NULL;
        node = node_new (SE_JSON_BOOL);
        node->boolean = value;
        return node;
      }
    case 'n':
      if (!parse_literal (p, "null", error))
        return NULL;
      return node_new (SE_JSON_NULL);
    default:
      if (p->text[p->pos] == '-' || g_ascii_isdigit (p->text[p->pos]))
        return parse_number (p, error);
      return fail_unexpected (p, error, "a value"), NULL;
    }
}

SeJsonNode *
se_json_parse_with_limits (const char         *text,
                           gssize              length,
                           const SeJsonLimits *limits,
                           GError            **error)
{
  Parser p = { 0 };
  const char *bad = NULL;
  gsize max_size = limits && limits->max_size ? limits->max_size : SE_JSON_DEFAULT_MAX_SIZE;
  g_autoptr(SeJsonNode) root = NULL;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p.text = text;
  p.len = length < 0 ? strlen (text) : (gsize) length;
  p.max_depth = limits && limits->max_depth ? limits->max_depth : SE_JSON_DEFAULT_MAX_DEPTH;

  if (p.len > max_size)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "JSON: input of %" G_GSIZE_FORMAT " bytes is larger than the limit of %"
                   G_GSIZE_FORMAT " bytes", p.len, max_size);
      return NULL;
    }
  if (!g_utf8_validate_len (text, p.len, &bad))
    {
      p.pos = (gsize) (bad - text);
      fail (&p, error, "invalid UTF-8 (or a NUL byte)");
      return NULL;
    }

  skip_ws (&p);
  root = parse_value (&p, error);
  if (root == NULL)
    return NULL;
  skip_ws (&p);
  if (p.pos != p.len)
    {
      fail_unexpected (&p, error, "end of input");
      return NULL;
    }
  return g_steal_pointer (&root);
}

SeJsonNode *
se_json_parse (const char *text,
               gssize      length,
               GError    **error)
{
  return se_json_parse_with_limits (text, length, NULL, error);
}
