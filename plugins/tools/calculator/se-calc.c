/* SPDX-License-Identifier: Apache-2.0
 *
 * Recursive descent over the expression grammar
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?          (right-associative; -2^2 = -4)
 *   primary := number | constant | function '(' sum ')' | '(' sum ')'
 * Integers stay exact in 64 bits; an operation that would overflow continues in double
 * precision, as a literal too large for 64 bits does.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "se-calc.h"

#define MAX_LENGTH 1000
#define MAX_DEPTH 64

typedef struct
{
  const char *s;
  gsize pos;
  guint depth;
  char *error;
} Calc;

static gboolean sum (Calc *c, SeCalcValue *v);
static gboolean unary (Calc *c, SeCalcValue *v);

static gboolean
fail (Calc       *c,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (Calc       *c,
      const char *format,
      ...)
{
  va_list ap;

  if (c->error == NULL)
    {
      va_start (ap, format);
      c->error = g_strdup_vprintf (format, ap);
      va_end (ap);
    }
  return FALSE;
}

static double
as_double (const SeCalcValue *v)
{
  return v->is_int ? (double) v->i : v->d;
}

static SeCalcValue
dbl (double d)
{
  return (SeCalcValue) { FALSE, 0, d };
}

static SeCalcValue
integer (gint64 i)
{
  return (SeCalcValue) { TRUE, i, 0 };
}

static void
skip_space (Calc *c)
{
  while (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' || c->s[c->pos] == '\n')
    c->pos++;
}

static gboolean
unexpected (Calc *c)
{
  if (c->s[c->pos] == '\0')
    return fail (c, "the expression ends too early");
  return fail (c, "unexpected “%.*s” at position %" G_GSIZE_FORMAT,
               (int) (g_utf8_next_char (c->s + c->pos) - (c->s + c->pos)), c->s + c->pos,
               c->pos + 1);
}

static gboolean
number (Calc        *c,
        SeCalcValue *v)
{
  const char *start = c->s + c->pos, *p = start;
  gboolean is_float = FALSE;
  char *end = NULL;

  while (g_ascii_isdigit (*p))
    p++;
  if (*p == '.')
    {
      is_float = TRUE;
      p++;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (p == start || (p == start + 1 && *start == '.'))
    return unexpected (c);
  if (*p == 'e' || *p == 'E')
    {
      const char *q = p + 1;

      if (*q == '+' || *q == '-')
        q++;
      if (g_ascii_isdigit (*q))
        {
          is_float = TRUE;
          p = q;
          while (g_ascii_isdigit (*p))
            p++;
        }
    }
  if (!is_float)
    {
      guint64 u = 0;
      gboolean overflow = FALSE;

      for (const char *q = start; q < p; q++)
        {
          if (u > (G_MAXINT64 - (guint64) (*q - '0')) / 10)
            overflow = TRUE;
          else
            u = u * 10 + (guint64) (*q - '0');
        }
      c->pos += p - start;
      if (!overflow)
        {
          *v = integer ((gint64) u);
          return TRUE;
        }
    }
  else
    c->pos += p - start;
  *v = dbl (g_ascii_strtod (start, &end));
  return TRUE;
}

typedef double (*Func) (double);

static const struct { const char *name; Func f; } functions[] = {
  { "sqrt", sqrt }, { "sin", sin }, { "cos", cos }, { "tan", tan }, { "log", log10 },
  { "ln", log }, { "exp", exp }, { "abs", fabs }, { "floor", floor }, { "ceil", ceil },
  { "round", round },
};

static gboolean
apply (Calc        *c,
       const char  *name,
       SeCalcValue *v)
{
  double x = as_double (v);

  if (v->is_int && (g_str_equal (name, "abs") || g_str_equal (name, "floor")
                    || g_str_equal (name, "ceil") || g_str_equal (name, "round")))
    {
      if (g_str_equal (name, "abs") && v->i == G_MININT64)
        *v = dbl (-(double) v->i);
      else if (g_str_equal (name, "abs") && v->i < 0)
        v->i = -v->i;
      return TRUE;
    }
  if (g_str_equal (name, "sqrt") && x < 0)
    return fail (c, "sqrt of a negative number");
  if ((g_str_equal (name, "log") || g_str_equal (name, "ln")) && x <= 0)
    return fail (c, "%s of a number that is not positive", name);
  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    if (g_str_equal (functions[i].name, name))
      {
        double r = functions[i].f (x);

        if ((g_str_equal (name, "floor") || g_str_equal (name, "ceil")
             || g_str_equal (name, "round")) && fabs (r) < 9.2e18)
          *v = integer ((gint64) r);
        else
          *v = dbl (r);
        return TRUE;
      }
  return FALSE;
}

static gboolean
name_or_call (Calc        *c,
              SeCalcValue *v)
{
  gsize start = c->pos;
  g_autofree char *name = NULL;

  while (g_ascii_isalpha (c->s[c->pos]))
    c->pos++;
  name = g_ascii_strdown (c->s + start, (gssize) (c->pos - start));
  if (g_str_equal (name, "pi"))
    return *v = dbl (G_PI), TRUE;
  if (g_str_equal (name, "e"))
    return *v = dbl (G_E), TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    if (g_str_equal (functions[i].name, name))
      {
        skip_space (c);
        if (c->s[c->pos] != '(')
          return fail (c, "%s needs parentheses: %s(x)", name, name);
        c->pos++;
        if (!sum (c, v))
          return FALSE;
        skip_space (c);
        if (c->s[c->pos] != ')')
          return fail (c, "missing “)” after the argument of %s", name);
        c->pos++;
        return apply (c, name, v);
      }
  return fail (c, "unknown name “%s”; known: pi, e, sqrt, sin, cos, tan, log, ln, exp, abs, "
               "floor, ceil, round", name);
}

static gboolean
primary (Calc        *c,
         SeCalcValue *v)
{
  skip_space (c);
  if (c->s[c->pos] == '(')
    {
      c->pos++;
      if (!sum (c, v))
        return FALSE;
      skip_space (c);
      if (c->s[c->pos] != ')')
        return c->s[c->pos] ? unexpected (c) : fail (c, "missing “)”");
      c->pos++;
      return TRUE;
    }
  if (g_ascii_isdigit (c->s[c->pos]) || c->s[c->pos] == '.')
    return number (c, v);
  if (g_ascii_isalpha (c->s[c->pos]))
    return name_or_call (c, v);
  return unexpected (c);
}

static gboolean
int_pow (gint64  base,
         gint64  exp,
         gint64 *out)
{
  gint64 r = 1;

  for (gint64 k = 0; k < exp; k++)
    {
      if (base == 0 || base == 1 || r == 0)
        break;
      if (base == -1)
        {
          r = exp % 2 ? -1 : 1;
          break;
        }
      if (__builtin_mul_overflow (r, base, &r))
        return FALSE;
    }
  *out = r;
  return TRUE;
}

static gboolean
power (Calc        *c,
       SeCalcValue *v)
{
  SeCalcValue e;
  gint64 r;

  if (!primary (c, v))
    return FALSE;
  skip_space (c);
  if (c->s[c->pos] != '^')
    return TRUE;
  c->pos++;
  if (!unary (c, &e))   /* right-associative: 2^3^2 = 2^(3^2) */
    return FALSE;
  if (v->is_int && e.is_int && e.i >= 0 && int_pow (v->i, e.i, &r))
    *v = integer (r);
  else if (as_double (v) == 0 && as_double (&e) < 0)
    return fail (c, "division by zero (0 to a negative power)");
  else
    *v = dbl (pow (as_double (v), as_double (&e)));
  return TRUE;
}

static gboolean
unary (Calc        *c,
       SeCalcValue *v)
{
  gboolean ok;

  skip_space (c);
  if (c->s[c->pos] != '-' && c->s[c->pos] != '+')
    return power (c, v);
  if (++c->depth > MAX_DEPTH)
    return fail (c, "the expression nests too deeply");
  if (c->s[c->pos++] == '+')
    ok = unary (c, v);
  else if ((ok = unary (c, v)))
    {
      if (v->is_int && v->i != G_MININT64)
        v->i = -v->i;
      else
        *v = dbl (-as_double (v));
    }
  c->depth--;
  return ok;
}

static gboolean
multiply (Calc        *c,
          char         op,
          SeCalcValue *a,
          SeCalcValue *b)
{
  gint64 r;

  if ((op == '/' || op == '%') && as_double (b) == 0)
    return fail (c, "division by zero");
  if (a->is_int && b->is_int)
    {
      if (op == '*' && !__builtin_mul_overflow (a->i, b->i, &r))
        return *a = integer (r), TRUE;
      if (op == '/' && !(a->i == G_MININT64 && b->i == -1) && a->i % b->i == 0)
        return *a = integer (a->i / b->i), TRUE;
      if (op == '%' && b->i != -1)
        return *a = integer (a->i % b->i), TRUE;
      if (op == '%')
        return *a = integer (0), TRUE;
    }
  if (op == '*')
    *a = dbl (as_double (a) * as_double (b));
  else if (op == '/')
    *a = dbl (as_double (a) / as_double (b));
  else
    *a = dbl (fmod (as_double (a), as_double (b)));
  return TRUE;
}

static gboolean
product (Calc        *c,
         SeCalcValue *v)
{
  if (!unary (c, v))
    return FALSE;
  for (;;)
    {
      SeCalcValue rhs;
      char op;

      skip_space (c);
      op = c->s[c->pos];
      if (op != '*' && op != '/' && op != '%')
        return TRUE;
      c->pos++;
      if (!unary (c, &rhs) || !multiply (c, op, v, &rhs))
        return FALSE;
    }
}

static gboolean
sum (Calc        *c,
     SeCalcValue *v)
{
  if (++c->depth > MAX_DEPTH)
    return fail (c, "the expression nests too deeply");
  if (!product (c, v))
    return FALSE;
  for (;;)
    {
      SeCalcValue rhs;
      gint64 r;
      char op;

      skip_space (c);
      op = c->s[c->pos];
      if (op != '+' && op != '-')
        break;
      c->pos++;
      if (!product (c, &rhs))
        return FALSE;
      if (v->is_int && rhs.is_int
          && !(op == '+' ? __builtin_add_overflow (v->i, rhs.i, &r)
                         : __builtin_sub_overflow (v->i, rhs.i, &r)))
        *v = integer (r);
      else
        *v = dbl (op == '+' ? as_double (v) + as_double (&rhs) : as_double (v) - as_double (&rhs));
    }
  c->depth--;
  return TRUE;
}

gboolean
se_calc_eval (const char  *expr,
              SeCalcValue *value,
              char       **error_message)
{
  Calc c = { expr, 0, 0, NULL };

  g_return_val_if_fail (expr != NULL && value != NULL, FALSE);

  if (strlen (expr) > MAX_LENGTH)
    fail (&c, "the expression is longer than %d characters", MAX_LENGTH);
  else if (!g_utf8_validate (expr, -1, NULL))
    fail (&c, "the expression is not valid UTF-8");
  else if (sum (&c, value))
    {
      skip_space (&c);
      if (c.s[c.pos] != '\0')
        unexpected (&c);
      else if (!value->is_int && !isfinite (value->d))
        fail (&c, "the result is too large to represent");
    }
  if (c.error != NULL)
    {
      if (error_message != NULL)
        *error_message = g_steal_pointer (&c.error);
      g_free (c.error);
      return FALSE;
    }
  return TRUE;
}

char *
se_calc_format (const SeCalcValue *value)
{
  char buf[64];

  if (value->is_int)
    return g_strdup_printf ("%" G_GINT64_FORMAT, value->i);
  if (value->d == floor (value->d) && fabs (value->d) < 1e15)
    return g_strdup_printf ("%.0f", value->d);
  g_ascii_formatd (buf, sizeof buf, "%.15g", value->d);
  return g_strdup (buf);
}
