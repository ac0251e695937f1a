/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool-call matcher: a stack of frames (call, object, array, string, number, literal
 * set, "value not started yet"), one byte at a time. A frame that ends on a byte it does
 * not consume (a number followed by ',') hands that byte back to its parent.
 */
#include "config.h"

#include <string.h>

#include "se-tool-matcher.h"

enum { F_VALUE, F_STRING, F_NUMBER, F_LITSET, F_OBJECT, F_GOBJECT, F_ARRAY, F_CALL };
/* REFEED: the byte goes to the (new) top frame, which a step just pushed. */
typedef enum { REJECT, CONSUMED, CONSUMED_POP, POP_REFEED, REFEED } Step;

#define CALL_HEAD "{\"name\": "
#define CALL_MID ", \"arguments\": "
#define NUMBER_CAP 24
#define INTEGER_CAP 18

static const SeToolSchema any_schema = { .kind = SE_SCH_ANY };
static char *bool_texts[] = { (char *) "true", (char *) "false", NULL };
static guint16 bool_lens[] = { 4, 5 };
static const SeLitSet bool_set = { 2, bool_texts, bool_lens };
static char *null_texts[] = { (char *) "null", NULL };
static guint16 null_lens[] = { 4 };
static const SeLitSet null_set = { 1, null_texts, null_lens };

void
_se_tool_matcher_init (SeToolMatcher       *m,
                       const SeCallGrammar *grammar)
{
  memset (m, 0, sizeof *m);
  m->grammar = grammar;
  m->depth = 1;
  m->matched = -1;
  m->stack[0].kind = F_CALL;
  m->stack[0].mask = G_MAXUINT64;  /* no tool yet */
}

void
_se_tool_matcher_copy (SeToolMatcher       *dst,
                       const SeToolMatcher *src)
{
  dst->grammar = src->grammar;
  dst->depth = src->depth;
  dst->matched = src->matched;
  memcpy (dst->stack, src->stack, src->depth * sizeof (SeMatchFrame));
}

static SeMatchFrame *
push (SeToolMatcher *m,
      guint8         kind,
      const SeToolSchema *sch)
{
  SeMatchFrame *f;

  if (m->depth >= SE_MATCHER_MAX_DEPTH)
    return NULL;
  f = &m->stack[m->depth++];
  memset (f, 0, sizeof *f);
  f->kind = kind;
  f->sch = sch;
  return f;
}

static void
become_litset (SeMatchFrame   *f,
               const SeLitSet *set,
               guint64         mask)
{
  f->kind = F_LITSET;
  f->set = set;
  f->mask = mask;
  f->count = 0;
}

static guint64
all_of (guint n)
{
  return n >= 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << n) - 1;
}

static gboolean
is_digit (guint8 b)
{
  return b >= '0' && b <= '9';
}

/* Turns a not-yet-started value frame into the frame for its first byte; FALSE when
 * @b cannot start a value of the schema. The byte is then processed by the new frame. */
static gboolean
start_value (SeToolMatcher *m,
             SeMatchFrame  *f,
             guint8         b)
{
  const SeToolSchema *s = f->sch ? f->sch : &any_schema;
  gboolean room = m->depth + 2 < SE_MATCHER_MAX_DEPTH;

  switch (s->kind)
    {
    case SE_SCH_STRING:
      f->kind = F_STRING;
      return b == '"';
    case SE_SCH_NUMBER:
    case SE_SCH_INTEGER:
      f->kind = F_NUMBER;
      return TRUE;
    case SE_SCH_BOOLEAN:
      become_litset (f, &bool_set, 3);
      return TRUE;
    case SE_SCH_NULL:
      become_litset (f, &null_set, 1);
      return TRUE;
    case SE_SCH_ENUM:
      become_litset (f, &s->values, all_of (s->values.n));
      return TRUE;
    case SE_SCH_OBJECT:
      f->kind = F_OBJECT;
      return b == '{';
    case SE_SCH_ARRAY:
      f->kind = F_ARRAY;
      return b == '[' && room;
    case SE_SCH_ANY:
    default:
      if (s->closed || b == '{')
        {
          f->kind = F_GOBJECT;
          return b == '{' && room;
        }
      f->sch = NULL;
      if (b == '"')
        f->kind = F_STRING;
      else if (b == '-' || is_digit (b))
        f->kind = F_NUMBER;
      else if (b == 't' || b == 'f')
        become_litset (f, &bool_set, 3);
      else if (b == 'n')
        become_litset (f, &null_set, 1);
      else if (b == '[' && room)
        f->kind = F_ARRAY;
      else
        return FALSE;
      return TRUE;
    }
}

static Step
step_string (SeMatchFrame *f,
             guint8        b)
{
  guint cap = f->sch && f->sch->max_length ? f->sch->max_length : SE_MATCHER_STRING_CAP;

  if (f->phase == 2)  /* the opening quote, consumed when the value started */
    {
      f->phase = 0;
      return CONSUMED;
    }
  if (f->need > 0)
    {
      if (b < f->lo || b > f->hi)
        return REJECT;
      f->need--;
      f->lo = 0x80;
      f->hi = 0xbf;
      return CONSUMED;
    }
  if (f->phase == 1)
    {
      if (strchr ("\"\\/bfnrt", b) == NULL || b == 0)
        return REJECT;
      f->phase = 0;
      return CONSUMED;
    }
  if (b == '"')
    return CONSUMED_POP;
  if (b < 0x20 || f->count >= cap)
    return REJECT;
  f->count++;
  f->lo = 0x80;
  f->hi = 0xbf;
  if (b == '\\')
    f->phase = 1;
  else if (b < 0x80)
    ;
  else if (b >= 0xc2 && b <= 0xdf)
    f->need = 1;
  else if (b >= 0xe0 && b <= 0xef)
    {
      f->need = 2;
      if (b == 0xe0)
        f->lo = 0xa0;
      else if (b == 0xed)
        f->hi = 0x9f;   /* no surrogates */
    }
  else if (b >= 0xf0 && b <= 0xf4)
    {
      f->need = 3;
      if (b == 0xf0)
        f->lo = 0x90;
      else if (b == 0xf4)
        f->hi = 0x8f;
    }
  else
    return REJECT;
  return CONSUMED;
}

/* Number phases: 0 start, 1 after '-', 2 leading zero, 3 integer digits, 4 after '.',
 * 5 fraction digits, 6 after 'e', 7 after the exponent sign, 8 exponent digits. */
static Step
step_number (SeMatchFrame *f,
             guint8        b)
{
  gboolean integer = f->sch != NULL && f->sch->kind == SE_SCH_INTEGER;
  guint cap = integer ? INTEGER_CAP : NUMBER_CAP;
  gboolean complete = f->phase == 2 || f->phase == 3 || f->phase == 5 || f->phase == 8;
  int next = -1;

  switch (f->phase)
    {
    case 0:
      next = b == '-' ? 1 : b == '0' ? 2 : is_digit (b) ? 3 : -1;
      break;
    case 1:
      next = b == '0' ? 2 : is_digit (b) ? 3 : -1;
      break;
    case 2:
    case 3:
    case 5:
      if (f->phase == 3 && is_digit (b))
        next = 3;
      else if (f->phase == 5 && is_digit (b))
        next = 5;
      else if (!integer && b == '.' && f->phase != 5)
        next = 4;
      else if (!integer && (b == 'e' || b == 'E'))
        next = 6;
      break;
    case 4:
      next = is_digit (b) ? 5 : -1;
      break;
    case 6:
      next = b == '+' || b == '-' ? 7 : is_digit (b) ? 8 : -1;
      break;
    case 7:
    case 8:
      next = is_digit (b) ? 8 : -1;
      break;
    default:
      break;
    }
  /* an unfinished number needs room for one more digit */
  if (next >= 0 && (next == 1 || next == 4 || next == 6 || next == 7)
      ? f->count + 2 > cap : f->count + 1 > cap)
    next = -1;
  if (next < 0)
    return complete ? POP_REFEED : REJECT;
  f->phase = (guint8) next;
  f->count++;
  return CONSUMED;
}

static Step
step_litset (SeToolMatcher *m,
             SeMatchFrame  *f,
             guint8         b)
{
  const SeLitSet *set = f->set;
  guint64 alive = 0;
  gint done = -1, complete_before = -1;
  gboolean longer = FALSE;

  for (guint i = 0; i < set->n; i++)
    {
      if (!(f->mask & (G_GUINT64_CONSTANT (1) << i)))
        continue;
      if (set->lens[i] == f->count)
        complete_before = (gint) i;
      else if ((guint8) set->texts[i][f->count] == b)
        alive |= G_GUINT64_CONSTANT (1) << i;
    }
  if (alive == 0)
    {
      if (complete_before < 0)
        return REJECT;
      m->matched = complete_before;
      return POP_REFEED;
    }
  f->mask = alive;
  f->count++;
  for (guint i = 0; i < set->n; i++)
    if (alive & (G_GUINT64_CONSTANT (1) << i))
      {
        if (set->lens[i] == f->count)
          done = (gint) i;
        else
          longer = TRUE;
      }
  if (done >= 0 && !longer)
    {
      m->matched = done;
      return CONSUMED_POP;
    }
  return CONSUMED;
}

static gboolean
unused_left (const SeMatchFrame *f)
{
  return f->kind == F_GOBJECT || (~f->mask & all_of (f->sch->n_props)) != 0;
}

static gboolean
required_done (const SeMatchFrame *f)
{
  return f->kind == F_GOBJECT || (f->mask & f->sch->required) == f->sch->required;
}

/* Objects: schema objects (F_OBJECT: only their properties, each once, mask: keys used,
 * count: the property whose value comes) and free-form ones (F_GOBJECT: any string
 * keys, any values). Phases: 0 after '{', 1 key running or matched, 2 after ':',
 * 3 value running, 4 after a value, 5 after ',', 6 after ", " (a key must start). */
static Step
step_object (SeToolMatcher *m,
             SeMatchFrame  *f,
             guint8         b)
{
  gboolean schema = f->kind == F_OBJECT;
  SeMatchFrame *c;

  switch (f->phase)
    {
    case 0:
    case 4:
      if (b == '}' && required_done (f))
        return CONSUMED_POP;
      if (f->phase == 4)
        {
          if (b != ',' || !unused_left (f))
            return REJECT;
          f->phase = 5;
          return CONSUMED;
        }
      G_GNUC_FALLTHROUGH;
    case 6:
      if (b != '"' || !unused_left (f)
          || (c = push (m, schema ? F_LITSET : F_STRING, NULL)) == NULL)
        return REJECT;
      f->phase = 1;
      if (schema)
        become_litset (c, &f->sch->keys, ~f->mask & all_of (f->sch->n_props));
      else
        c->phase = 2;  /* the opening quote comes next */
      return REFEED;
    case 1:
      if (b != ':')
        return REJECT;
      f->phase = 2;
      return CONSUMED;
    case 2:
      if (b != ' ' || push (m, F_VALUE, schema ? f->sch->props[f->count] : NULL) == NULL)
        return REJECT;
      f->phase = 3;
      return CONSUMED;
    case 5:
      if (b != ' ')
        return REJECT;
      f->phase = 6;
      return CONSUMED;
    default:
      return REJECT;
    }
}

/* Arrays. Phases: 0 after '[', 1 item running, 2 after an item, 3 after ','. */
static Step
step_array (SeToolMatcher *m,
            SeMatchFrame  *f,
            guint8         b)
{
  const SeToolSchema *s = f->sch;
  guint min = s ? s->min_items : 0, max = s ? s->max_items : 0;
  const SeToolSchema *items = s ? s->items : NULL;

  switch (f->phase)
    {
    case 0:
      if (b == ']' && min == 0)
        return CONSUMED_POP;
      if (push (m, F_VALUE, items) == NULL)
        return REJECT;
      f->phase = 1;
      return REFEED;
    case 2:
      if (b == ']' && f->count >= min)
        return CONSUMED_POP;
      if (b != ',' || (max > 0 && f->count >= max))
        return REJECT;
      f->phase = 3;
      return CONSUMED;
    case 3:
      if (b != ' ' || push (m, F_VALUE, items) == NULL)
        return REJECT;
      f->phase = 1;
      return CONSUMED;
    default:
      return REJECT;
    }
}

/* The call. Phases: 0 start (an optional newline), 1 in CALL_HEAD (count: bytes of it),
 * 2 name running, 3 in CALL_MID, 4 arguments running, 5 after them ('}' due),
 * 6 complete, 7 complete after a newline. mask: the tool, once named. */
static Step
step_call (SeToolMatcher *m,
           SeMatchFrame  *f,
           guint8         b)
{
  const SeCallGrammar *g = m->grammar;
  SeMatchFrame *c;

  switch (f->phase)
    {
    case 0:
      f->phase = 1;
      if (b == '\n')
        return CONSUMED;
      G_GNUC_FALLTHROUGH;
    case 1:
      if ((guint8) CALL_HEAD[f->count] != b)
        return REJECT;
      if (CALL_HEAD[++f->count] != '\0')
        return CONSUMED;
      if ((c = push (m, F_LITSET, NULL)) == NULL)
        return REJECT;
      become_litset (c, &g->names, all_of (g->names.n));
      f->phase = 2;
      f->count = 0;
      return CONSUMED;
    case 3:
      if ((guint8) CALL_MID[f->count] != b)
        return REJECT;
      if (CALL_MID[++f->count] != '\0')
        return CONSUMED;
      if (push (m, F_VALUE, g->args[f->mask]) == NULL)
        return REJECT;
      f->phase = 4;
      return CONSUMED;
    case 5:
      if (b != '}')
        return REJECT;
      f->phase = 6;
      return CONSUMED;
    case 6:
      if (b != '\n')
        return REJECT;
      f->phase = 7;
      return CONSUMED;
    default:
      return REJECT;
    }
}

/* A child frame finished; its parent moves on. */
static void
child_done (SeToolMatcher *m)
{
  SeMatchFrame *f = &m->stack[m->depth - 1];

  switch (f->kind)
    {
    case F_OBJECT:
      if (f->phase == 1)
        {
          f->count = (guint32) m->matched;
          f->mask |= G_GUINT64_CONSTANT (1) << m->matched;
        }
      else
        f->phase = 4;
      break;
    case F_GOBJECT:
      if (f->phase == 3)
        f->phase = 4;
      break;
    case F_ARRAY:
      f->phase = 2;
      f->count++;
      break;
    case F_CALL:
      if (f->phase == 2)
        {
          f->mask = (guint64) m->matched;
          f->phase = 3;
        }
      else
        f->phase = 5;
      break;
    default:
      break;
    }
}

static Step
step (SeToolMatcher *m,
      SeMatchFrame  *f,
      guint8         b)
{
  switch (f->kind)
    {
    case F_VALUE:
      if (!start_value (m, f, b))
        return REJECT;
      if (f->kind == F_OBJECT || f->kind == F_GOBJECT || f->kind == F_ARRAY)
        return CONSUMED;  /* the bracket */
      if (f->kind == F_STRING)
        f->phase = 2;
      return REFEED;
    case F_STRING:
      return step_string (f, b);
    case F_NUMBER:
      return step_number (f, b);
    case F_LITSET:
      return step_litset (m, f, b);
    case F_OBJECT:
    case F_GOBJECT:
      return step_object (m, f, b);
    case F_ARRAY:
      return step_array (m, f, b);
    case F_CALL:
      return step_call (m, f, b);
    default:
      return REJECT;
    }
}

gboolean
_se_tool_matcher_feed (SeToolMatcher *m,
                       guint8         b)
{
  for (guint guard = 0; guard < 4 * SE_MATCHER_MAX_DEPTH; guard++)
    {
      Step r;

      if (m->depth == 0)
        return FALSE;
      r = step (m, &m->stack[m->depth - 1], b);
      switch (r)
        {
        case CONSUMED:
          return TRUE;
        case CONSUMED_POP:
          m->depth--;
          child_done (m);
          return TRUE;
        case POP_REFEED:
          m->depth--;
          child_done (m);
          continue;
        case REFEED:
          continue;
        case REJECT:
        default:
          return FALSE;
        }
    }
  return FALSE;
}

gboolean
_se_tool_matcher_feed_bytes (SeToolMatcher *m,
                             const char    *bytes,
                             gsize          len)
{
  for (gsize i = 0; i < len; i++)
    if (!_se_tool_matcher_feed (m, (guint8) bytes[i]))
      return FALSE;
  return TRUE;
}

gboolean
_se_tool_matcher_is_complete (const SeToolMatcher *m)
{
  return m->depth == 1 && m->stack[0].phase >= 6;
}

gboolean
_se_tool_matcher_newline_ok (const SeToolMatcher *m)
{
  return m->depth == 1 && m->stack[0].phase == 6;
}

gboolean
_se_tool_matcher_in_plain_string (const SeToolMatcher *m,
                                  gsize                n_bytes)
{
  const SeMatchFrame *f = &m->stack[m->depth - 1];
  guint cap;

  if (f->kind != F_STRING || f->phase != 0 || f->need != 0)
    return FALSE;
  cap = f->sch && f->sch->max_length ? f->sch->max_length : SE_MATCHER_STRING_CAP;
  return f->count + n_bytes <= cap;
}

gint
_se_tool_matcher_get_tool (const SeToolMatcher *m)
{
  return m->stack[0].phase > 2 ? (gint) m->stack[0].mask : -1;
}
