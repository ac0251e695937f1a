/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target for the JSON module: whatever parses must serialise in both styles,
 * and the compact text must parse again to the same document (parse, serialise, parse
 * and serialise give identical bytes). Anything that does not parse must fail cleanly.
 */
#include "sprig/se-error.h"
#include "sprig/se-json.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeJsonNode) node = NULL;
  g_autoptr(SeJsonNode) again = NULL;
  g_autoptr(SeJsonNode) from_tojson = NULL;
  g_autofree char *compact = NULL;
  g_autofree char *compact2 = NULL;
  g_autofree char *tojson = NULL;
  g_autofree char *tojson2 = NULL;
  SeJsonLimits limits = { .max_depth = 64, .max_size = 1 << 16 };

  node = se_json_parse_with_limits ((const char *) data, (gssize) size, &limits, &error);
  if (node == NULL)
    {
      g_assert (error != NULL && error->domain == SE_ERROR);
      g_assert (strstr (error->message, "byte") != NULL);
      return 0;
    }
  g_assert_no_error (error);

  compact = se_json_node_to_string (node, SE_JSON_STYLE_COMPACT);
  again = se_json_parse_with_limits (compact, -1, &limits, &error);
  g_assert_no_error (error);
  compact2 = se_json_node_to_string (again, SE_JSON_STYLE_COMPACT);
  g_assert_cmpstr (compact, ==, compact2);

  /* tojson output is valid JSON too, and a fixed point: numbers are re-printed from
   * their doubles (out-of-range ones become null, as in JavaScript), the rest is kept. */
  tojson = se_json_node_to_string (node, SE_JSON_STYLE_TOJSON);
  from_tojson = se_json_parse (tojson, -1, &error);
  g_assert_no_error (error);
  tojson2 = se_json_node_to_string (from_tojson, SE_JSON_STYLE_TOJSON);
  g_assert_cmpstr (tojson, ==, tojson2);
  return 0;
}
