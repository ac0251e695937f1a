/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target for the streaming <tool_call> parser: the input (after two bytes
 * that choose where to cut it) is fed in three chunks and whole; both must give the
 * same segments, the segments' texts must add up to the input exactly, and every call
 * must name an offered tool and carry an object as arguments.
 */
#include <stdint.h>
#include <string.h>

#include "se-tools-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *const defs[] = {
  "{\"name\": \"calculator\", \"parameters\": {\"type\": \"object\", \"properties\": "
  "{\"expression\": {\"type\": \"string\"}}}}",
  "{\"name\": \"clock\"}",
};

static char *
run (SeToolSet   *set,
     const char  *text,
     gsize        len,
     const gsize *cuts)
{
  g_autoptr(SeToolParser) p = _se_tool_parser_new (set);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) _se_tool_segment_free);
  GString *all = g_string_new (NULL);
  GString *desc = g_string_new (NULL);
  gsize at = 0;

  for (guint i = 0; i < 3; i++)
    {
      gsize end = cuts ? MIN (MAX (cuts[i], at), len) : len;

      _se_tool_parser_feed (p, text + at, end - at, out);
      at = end;
    }
  _se_tool_parser_feed (p, text + at, len - at, out);
  _se_tool_parser_finish (p, out);
  for (guint i = 0; i < out->len; i++)
    {
      SeToolSegment *seg = g_ptr_array_index (out, i);

      g_string_append (all, seg->text);
      if (seg->kind == SE_TOOL_SEGMENT_CALL)
        {
          g_autoptr(SeJsonNode) args = se_json_parse (seg->arguments, -1, NULL);

          g_assert (_se_tool_set_find (set, seg->name) >= 0);
          g_assert (args != NULL && se_json_node_get_node_type (args) == SE_JSON_OBJECT);
          g_string_append_printf (desc, "C%s%s|", seg->name, seg->arguments);
        }
      else
        g_string_append_printf (desc, "T%u", seg->flags);
    }
  g_assert (all->len == len && memcmp (all->str, text, len) == 0);
  g_string_free (all, TRUE);
  return g_string_free (desc, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static SeToolSet *set;
  g_autofree char *text = NULL, *whole = NULL, *split = NULL;
  gsize cuts[3], len;

  if (set == NULL)
    set = _se_tool_set_new (defs, G_N_ELEMENTS (defs), NULL);
  if (size < 2)
    return 0;
  len = size - 2;
  text = g_strndup ((const char *) data + 2, len);
  len = strlen (text);  /* the parser takes C text */
  cuts[0] = len ? data[0] % (len + 1) : 0;
  cuts[1] = len ? data[1] % (len + 1) : 0;
  cuts[2] = (cuts[0] + cuts[1]) / 2;
  if (cuts[0] > cuts[1])
    {
      gsize t = cuts[0];
      cuts[0] = cuts[1];
      cuts[1] = t;
    }
  whole = run (set, text, len, NULL);
  split = run (set, text, len, cuts);
  /* adjacent texts may be cut differently; compare with runs of T merged */
  {
    g_autoptr(GRegex) re = g_regex_new ("(T[0-9]+)\\1+", 0, 0, NULL);
    g_autofree char *a = g_regex_replace (re, whole, -1, 0, "\\1", 0, NULL);
    g_autofree char *b = g_regex_replace (re, split, -1, 0, "\\1", 0, NULL);

    g_assert (g_str_equal (a, b));
  }
  return 0;
}
