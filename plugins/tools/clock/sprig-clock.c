/* SPDX-License-Identifier: Apache-2.0
 *
 * The built-in clock tool: the current date, time and time zone, in the system's zone
 * or an IANA zone the model names ({"timezone": "Europe/Paris"}).
 */
#include "config.h"

#include <string.h>

#include "sprig/se-json.h"
#include "sprig-tool.h"

static int
now (SprigToolCall *call)
{
  g_autoptr(SeJsonNode) args = se_json_parse (call->arguments, -1, NULL);
  SeJsonNode *zone_arg = args ? se_json_node_get_member (args, "timezone") : NULL;
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GDateTime) t = NULL;
  g_autofree char *date = NULL, *time = NULL, *offset = NULL;
  GString *out;
  const char *id;

  if (zone_arg != NULL && se_json_node_get_node_type (zone_arg) == SE_JSON_STRING)
    {
      zone = g_time_zone_new_identifier (se_json_node_get_string (zone_arg, NULL));
      if (zone == NULL)
        {
          call->set_error (call, "unknown time zone; use an IANA name such as Europe/Paris");
          return 1;
        }
    }
  else
    zone = g_time_zone_new_local ();
  t = g_date_time_new_now (zone);
  date = g_date_time_format (t, "%Y-%m-%d");
  time = g_date_time_format (t, "%H:%M:%S");
  offset = g_date_time_format (t, "%:z");
  id = g_time_zone_get_identifier (zone);

  out = g_string_new ("{\"date\": ");
  se_json_append_string (out, date, strlen (date));
  g_string_append (out, ", \"time\": ");
  se_json_append_string (out, time, strlen (time));
  g_string_append (out, ", \"weekday\": ");
  {
    g_autofree char *day = g_date_time_format (t, "%A");
    se_json_append_string (out, day, strlen (day));
  }
  g_string_append (out, ", \"timezone\": ");
  se_json_append_string (out, id, strlen (id));
  g_string_append (out, ", \"utc_offset\": ");
  se_json_append_string (out, offset, strlen (offset));
  g_string_append (out, "}");
  call->set_result (call, out->str, out->len);
  g_string_free (out, TRUE);
  return 0;
}

static const char *const permissions[] = { "clock", NULL };

static const SprigToolInfo tools[] = {
  {
    .name = "clock",
    .description = "The current date, time and time zone, optionally in another IANA time "
                   "zone.",
    .parameters = "{\"type\": \"object\", \"properties\": {\"timezone\": {\"type\": \"string\", "
                  "\"description\": \"IANA zone such as Europe/Paris; the user's own if "
                  "left out\"}}, \"additionalProperties\": false}",
    .flags = SPRIG_TOOL_READ_ONLY,
    .permissions = permissions,
    .invoke = now,
  },
};

static const SprigToolPlugin plugin = SPRIG_TOOL_PLUGIN_INIT ("clock", "Date, time and time zone",
                                                              tools);

SPRIG_TOOL_EXPORT const SprigToolPlugin *sprig_tool_plugin_entry (void);

const SprigToolPlugin *
sprig_tool_plugin_entry (void)
{
  return &plugin;
}
