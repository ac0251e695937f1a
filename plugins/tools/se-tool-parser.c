/* SPDX-License-Identifier: Apache-2.0
 *
 * The streaming <tool_call> parser. Text arrives in chunks cut anywhere; the parser
 * holds back only what could still be the start of a tag, passes <think>...</think>
 * through as text (calls written while thinking are not calls), and turns each closed
 * <tool_call>...</tool_call> block into a call when it is a JSON object naming an
 * offered tool with object arguments, or back into plain text when it is not.
 */
#include "config.h"

#include <string.h>

#include "se-tools-private.h"

#define CALL_OPEN "<tool_call>"
#define CALL_CLOSE "</tool_call>"
#define THINK_OPEN "<think>"
#define THINK_CLOSE "</think>"

typedef enum { OUTSIDE, THINKING, IN_CALL } State;

struct _SeToolParser
{
  SeToolSet *set;
  State state;
  GString *pending;   /* text not yet emitted: a possible tag start, or a call body */
};

SeToolParser *
_se_tool_parser_new (SeToolSet *set)
{
  SeToolParser *p = g_new0 (SeToolParser, 1);

  p->set = set ? _se_tool_set_ref (set) : NULL;
  p->pending = g_string_new (NULL);
  return p;
}

void
_se_tool_parser_free (SeToolParser *p)
{
  if (p == NULL)
    return;
  g_clear_pointer (&p->set, _se_tool_set_unref);
  g_string_free (p->pending, TRUE);
  g_free (p);
}

void
_se_tool_segment_free (SeToolSegment *segment)
{
  if (segment == NULL)
    return;
  g_free (segment->text);
  g_free (segment->name);
  g_free (segment->arguments);
  g_free (segment);
}

static void
emit_text (GPtrArray  *out,
           const char *text,
           gsize       len,
           guint       flags)
{
  SeToolSegment *last = out->len > 0 ? g_ptr_array_index (out, out->len - 1) : NULL;
  SeToolSegment *seg;

  if (len == 0)
    return;
  if (last != NULL && last->kind == SE_TOOL_SEGMENT_TEXT && last->flags == 0 && flags == 0)
    {
      gsize old = strlen (last->text);

      last->text = g_realloc (last->text, old + len + 1);
      memcpy (last->text + old, text, len);
      last->text[old + len] = '\0';
      return;
    }
  seg = g_new0 (SeToolSegment, 1);
  seg->kind = SE_TOOL_SEGMENT_TEXT;
  seg->flags = flags;
  seg->text = g_strndup (text, len);
  g_ptr_array_add (out, seg);
}

/* How many bytes at the end of @s[0, len) could begin @tag. */
static gsize
partial_suffix (const char *s,
                gsize       len,
                const char *tag)
{
  gsize tag_len = strlen (tag);

  for (gsize k = MIN (len, tag_len - 1); k > 0; k--)
    if (memcmp (s + len - k, tag, k) == 0)
      return k;
  return 0;
}

/* Parses a closed call block's body; emits a call or the raw block as text. */
static void
finish_call (SeToolParser *p,
             const char   *body,
             gsize         len,
             GPtrArray    *out)
{
  g_autofree char *raw = g_strdup_printf (CALL_OPEN "%.*s" CALL_CLOSE, (int) len, body);
  g_autoptr(SeJsonNode) root = se_json_parse (body, (gssize) len, NULL);
  SeJsonNode *name, *args;
  g_autoptr(SeJsonNode) parsed_args = NULL;
  SeToolSegment *seg;

  if (root == NULL || se_json_node_get_node_type (root) != SE_JSON_OBJECT
      || (name = se_json_node_get_member (root, "name")) == NULL
      || se_json_node_get_node_type (name) != SE_JSON_STRING)
    {
      emit_text (out, raw, strlen (raw), SE_TOOL_SEGMENT_MALFORMED);
      return;
    }
  args = se_json_node_get_member (root, "arguments");
  if (args != NULL && se_json_node_get_node_type (args) == SE_JSON_STRING)
    {
      gsize alen;
      const char *atext = se_json_node_get_string (args, &alen);

      args = parsed_args = se_json_parse (atext, (gssize) alen, NULL);
    }
  if (args == NULL || se_json_node_get_node_type (args) != SE_JSON_OBJECT)
    {
      emit_text (out, raw, strlen (raw), SE_TOOL_SEGMENT_MALFORMED);
      return;
    }
  if (p->set == NULL || _se_tool_set_find (p->set, se_json_node_get_string (name, NULL)) < 0)
    {
      emit_text (out, raw, strlen (raw), SE_TOOL_SEGMENT_UNKNOWN_TOOL);
      return;
    }
  seg = g_new0 (SeToolSegment, 1);
  seg->kind = SE_TOOL_SEGMENT_CALL;
  seg->text = g_steal_pointer (&raw);
  seg->name = g_strdup (se_json_node_get_string (name, NULL));
  seg->arguments = se_json_node_to_string (args, SE_JSON_STYLE_COMPACT);
  g_ptr_array_add (out, seg);
}

/* Consumes what it can of p->pending; returns FALSE when it must wait for more. */
static gboolean
advance (SeToolParser *p,
         GPtrArray    *out)
{
  GString *s = p->pending;
  const char *hit;

  switch (p->state)
    {
    case OUTSIDE:
      {
        const char *call = g_strstr_len (s->str, s->len, CALL_OPEN);
        const char *think = g_strstr_len (s->str, s->len, THINK_OPEN);
        gsize keep;

        if (call != NULL && (think == NULL || call < think))
          {
            emit_text (out, s->str, call - s->str, 0);
            g_string_erase (s, 0, call - s->str + strlen (CALL_OPEN));
            p->state = IN_CALL;
            return TRUE;
          }
        if (think != NULL)
          {
            gsize end = think - s->str + strlen (THINK_OPEN);

            emit_text (out, s->str, end, 0);
            g_string_erase (s, 0, end);
            p->state = THINKING;
            return TRUE;
          }
        keep = MAX (partial_suffix (s->str, s->len, CALL_OPEN),
                    partial_suffix (s->str, s->len, THINK_OPEN));
        emit_text (out, s->str, s->len - keep, 0);
        g_string_erase (s, 0, s->len - keep);
        return FALSE;
      }
    case THINKING:
      if ((hit = g_strstr_len (s->str, s->len, THINK_CLOSE)) != NULL)
        {
          gsize end = hit - s->str + strlen (THINK_CLOSE);

          emit_text (out, s->str, end, 0);
          g_string_erase (s, 0, end);
          p->state = OUTSIDE;
          return TRUE;
        }
      else
        {
          gsize keep = partial_suffix (s->str, s->len, THINK_CLOSE);

          emit_text (out, s->str, s->len - keep, 0);
          g_string_erase (s, 0, s->len - keep);
          return FALSE;
        }
    case IN_CALL:
      if ((hit = g_strstr_len (s->str, s->len, CALL_CLOSE)) != NULL)
        {
          finish_call (p, s->str, hit - s->str, out);
          g_string_erase (s, 0, hit - s->str + strlen (CALL_CLOSE));
          p->state = OUTSIDE;
          return TRUE;
        }
      if (s->len > SE_TOOL_PARSER_MAX_CALL)
        {
          /* never closed within bounds: it was text after all */
          emit_text (out, CALL_OPEN, strlen (CALL_OPEN), SE_TOOL_SEGMENT_MALFORMED);
          emit_text (out, s->str, s->len, SE_TOOL_SEGMENT_MALFORMED);
          g_string_truncate (s, 0);
          p->state = OUTSIDE;
        }
      return FALSE;
    default:
      return FALSE;
    }
}

void
_se_tool_parser_feed (SeToolParser *p,
                      const char   *text,
                      gsize         len,
                      GPtrArray    *segments)
{
  g_return_if_fail (p != NULL && segments != NULL);

  g_string_append_len (p->pending, text, (gssize) len);
  while (advance (p, segments))
    ;
}

void
_se_tool_parser_finish (SeToolParser *p,
                        GPtrArray    *segments)
{
  g_return_if_fail (p != NULL && segments != NULL);

  if (p->state == IN_CALL)
    {
      g_autofree char *raw = g_strconcat (CALL_OPEN, p->pending->str, NULL);

      emit_text (segments, raw, strlen (raw), SE_TOOL_SEGMENT_MALFORMED);
    }
  else
    emit_text (segments, p->pending->str, p->pending->len, 0);
  g_string_truncate (p->pending, 0);
  p->state = OUTSIDE;
}
