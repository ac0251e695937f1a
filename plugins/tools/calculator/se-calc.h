/* SPDX-License-Identifier: Apache-2.0
 *
 * A safe arithmetic evaluator for the calculator tool: numbers, + - * / % ^,
 * parentheses, unary minus, a fixed list of functions and the constants pi and e. It
 * parses and evaluates; nothing else, no names looked up anywhere.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean is_int;
  gint64 i;
  double d;
} SeCalcValue;

/* Evaluates @expr; FALSE with *@error_message (free it) saying what is wrong. */
gboolean se_calc_eval   (const char  *expr,
                         SeCalcValue *value,
                         char       **error_message);
/* The value as JSON number text: integers exactly, doubles with 15 significant digits. */
char    *se_calc_format (const SeCalcValue *value);

G_END_DECLS
