/* SPDX-License-Identifier: Apache-2.0
 *
 * The string operations chat templates perform, with Python's semantics, since the
 * templates were written for (and the models trained with) Jinja2 in transformers:
 * strip('\n') removes only newlines, strip()/trim removes Python's whitespace set.
 */
#include "se-chat-private.h"
#include "sprig/se-error.h"
#include "sprig/se-json.h"

#include <string.h>

void
_se_chat_mark_literal (GArray *lit, GString *out, gsize start)
{
  SeTextSpan span = { start, out->len - start };

  if (lit == NULL || span.length == 0)
    return;
  g_array_append_val (lit, span);
}

void
_se_chat_append_lstrip_nl (GString *out, const char *s, gsize len)
{
  gsize start = 0;

  while (start < len && s[start] == '\n')
    start++;
  g_string_append_len (out, s + start, len - start);
}

void
_se_chat_append_strip_nl (GString *out, const char *s, gsize len)
{
  while (len > 0 && s[len - 1] == '\n')
    len--;
  _se_chat_append_lstrip_nl (out, s, len);
}

/* str.isspace() of Python 3 (Unicode White_Space plus the C0 separators 0x1c-0x1f). */
static gboolean
py_isspace (gunichar c)
{
  if ((c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20))
    return TRUE;
  switch (c)
    {
    case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202f: case 0x205f: case 0x3000:
      return TRUE;
    default:
      return c >= 0x2000 && c <= 0x200a;
    }
}

/* Jinja's trim filter: str.strip(). @s is valid UTF-8. */
void
_se_chat_append_trim (GString *out, const char *s)
{
  const char *start = s;
  const char *end = s + strlen (s);

  while (start < end && py_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  while (end > start)
    {
      const char *prev = g_utf8_find_prev_char (start, end);

      if (prev == NULL || !py_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  g_string_append_len (out, start, end - start);
}

/* Appends `value | tojson` for the JSON text @json. With @raw_strings a top-level
 * string is appended as its contents, as templates do for `x if x is string`. */
gboolean
_se_chat_append_tojson (GString *out, const char *json, gboolean raw_strings, GError **error)
{
  g_autoptr(SeJsonNode) node = se_json_parse (json, -1, error);
  g_autofree char *text = NULL;

  if (node == NULL)
    return FALSE;
  if (raw_strings && se_json_node_get_node_type (node) == SE_JSON_STRING)
    {
      gsize len;
      const char *str = se_json_node_get_string (node, &len);

      g_string_append_len (out, str, len);
      return TRUE;
    }
  text = se_json_node_to_string (node, SE_JSON_STYLE_TOJSON);
  g_string_append (out, text);
  return TRUE;
}
