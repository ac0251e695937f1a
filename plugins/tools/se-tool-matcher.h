/* SPDX-License-Identifier: Apache-2.0
 *
 * A byte-level pushdown matcher for one tool call's JSON,
 *   {"name": "<offered name>", "arguments": <value of that tool's schema>}
 * written the way the Qwen3 template prints calls (tojson spacing ", " and ": ", an
 * optional newline on either side). Every prefix it accepts can still be completed, so
 * a decoder that only ever feeds accepted bytes cannot paint itself into a corner. The
 * state is a small array of frames that copies cheaply, which the token filter relies on.
 */
#pragma once

#include <glib.h>

#include "se-tool-schema.h"

G_BEGIN_DECLS

#define SE_MATCHER_MAX_DEPTH 20
#define SE_MATCHER_STRING_CAP 8192   /* characters of a string without maxLength */

/* What the matcher is matched against: the offered tools. */
typedef struct
{
  SeLitSet names;             /* "name" of each tool, quoted */
  SeToolSchema **args;        /* each tool's parameters */
} SeCallGrammar;

typedef struct
{
  guint8 kind;
  guint8 phase;
  guint8 need;                /* strings: UTF-8 continuation bytes still due */
  guint8 lo, hi;              /* ... and the range of the next one */
  guint32 count;
  guint64 mask;
  const SeToolSchema *sch;
  const SeLitSet *set;
} SeMatchFrame;

typedef struct
{
  const SeCallGrammar *grammar;
  guint depth;
  gint matched;               /* the candidate a finished literal set matched */
  SeMatchFrame stack[SE_MATCHER_MAX_DEPTH];
} SeToolMatcher;

void     _se_tool_matcher_init        (SeToolMatcher       *m,
                                       const SeCallGrammar *grammar);
/* Copies only the live frames. */
void     _se_tool_matcher_copy        (SeToolMatcher       *dst,
                                       const SeToolMatcher *src);
/* FALSE when @byte cannot follow; the matcher is then unusable (feed a copy). */
gboolean _se_tool_matcher_feed        (SeToolMatcher       *m,
                                       guint8               byte);
gboolean _se_tool_matcher_feed_bytes  (SeToolMatcher       *m,
                                       const char          *bytes,
                                       gsize                len);
/* The closing brace has been matched: only an optional newline may follow. */
gboolean _se_tool_matcher_is_complete (const SeToolMatcher *m);
gboolean _se_tool_matcher_newline_ok  (const SeToolMatcher *m);
/* Inside a string with no escape or character pending, with room for @n_bytes more
 * bytes of plain characters: any run of such characters is accepted. */
gboolean _se_tool_matcher_in_plain_string (const SeToolMatcher *m,
                                           gsize                n_bytes);
/* The tool the name matched, or -1 before that. */
gint     _se_tool_matcher_get_tool    (const SeToolMatcher *m);

G_END_DECLS
