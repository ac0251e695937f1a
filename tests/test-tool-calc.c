/* SPDX-License-Identifier: Apache-2.0
 *
 * The calculator tool's evaluator: precedence, associativity, exact 64-bit integers
 * and what happens past them, functions and constants, and errors for everything else.
 */
#include "config.h"

#include "se-calc.h"

static const struct { const char *expr; const char *want; } good[] = {
  { "1 + 2 * 3", "7" },
  { "(1 + 2) * 3", "9" },
  { "2 ^ 3 ^ 2", "512" },          /* right-associative */
  { "-2 ^ 2", "-4" },              /* unary minus binds looser than ^ */
  { "2 ^ -1", "0.5" },
  { "10 - 4 - 3", "3" },           /* left-associative */
  { "100 / 10 / 5", "2" },
  { "7 / 2", "3.5" },
  { "7 % 3", "1" },
  { "-7 % 3", "-1" },
  { "9223372036854775807", "9223372036854775807" },
  { "9223372036854775806 + 1", "9223372036854775807" },
  { "3037000499 * 3037000499", "9223372030926249001" },
  { "2 ^ 62", "4611686018427387904" },
  { "-9223372036854775807 - 1", "-9223372036854775808" },
  { "9223372036854775807 + 1", "9.22337203685478e+18" },   /* overflow: double */
  { "2 ^ 64", "1.84467440737096e+19" },
  { "sqrt(16)", "4" },
  { "abs(-5)", "5" },
  { "floor(2.7) + ceil(2.1) + round(2.5)", "8" },
  { "ln(e)", "1" },
  { "log(1000)", "3" },
  { "sin(0) + cos(0)", "1" },
  { "2 * pi", "6.28318530717959" },
  { "exp(0)", "1" },
  { "tan(0)", "0" },
  { "1.5e3", "1500" },
  { "  4\t*\n2 ", "8" },
  { "--3", "3" },
};

static const char *const bad[] = {
  "1 / 0", "5 % 0", "1 / (2 - 2)", "0 ^ -1", "sqrt(-1)", "ln(0)", "log(-2)",
  "", "1 +", "(1 + 2", "1 + 2)", "2 ** 3", "system(\"ls\")", "x", "foo(1)", "1; 2",
  "sqrt 4", "1e999", "10 ^ 400", "1 2", "$(rm -rf /)", "é", "'1'", "exp(1000)",
};

static void
test_good (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      SeCalcValue v;
      g_autofree char *error = NULL, *text = NULL;

      if (!se_calc_eval (good[i].expr, &v, &error))
        g_error ("%s: %s", good[i].expr, error);
      text = se_calc_format (&v);
      if (g_strcmp0 (text, good[i].want) != 0)
        g_error ("%s gave %s, expected %s", good[i].expr, text, good[i].want);
    }
}

static void
test_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      SeCalcValue v;
      g_autofree char *error = NULL;

      if (se_calc_eval (bad[i], &v, &error))
        g_error ("“%s” was accepted", bad[i]);
      g_assert_nonnull (error);
      g_assert_cmpstr (error, !=, "");
    }
}

static void
test_limits (void)
{
  g_autofree char *deep = g_strnfill (200, '(');
  g_autofree char *minus = g_strnfill (200, '-');
  g_autofree char *lng = g_strnfill (2000, '1');
  g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL;
  SeCalcValue v;

  g_assert_false (se_calc_eval (deep, &v, &e1));
  g_assert_false (se_calc_eval (minus, &v, &e2));
  g_assert_false (se_calc_eval (lng, &v, &e3));
  g_assert_true (g_str_has_prefix (e1, "the expression nests"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sprig/tools/calculator/good", test_good);
  g_test_add_func ("/sprig/tools/calculator/bad", test_bad);
  g_test_add_func ("/sprig/tools/calculator/limits", test_limits);
  return g_test_run ();
}
