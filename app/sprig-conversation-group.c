/* SPDX-License-Identifier: Apache-2.0
 *
 * The day groups of the sidebar ("Today", "Yesterday", "Previous 7 Days", ...), worked
 * out from calendar dates in a time zone rather than from elapsed hours, so that a
 * daylight-saving day of 23 or 25 hours still starts and ends at local midnight.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-conversation-group.h"

static GDateTime *
to_zone (gint64     t_us,
         GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t_us / G_USEC_PER_SEC);

  return utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;
}

static guint32
julian_day (GDateTime *dt)
{
  g_autoptr(GDate) date = NULL;
  int year, month, day;

  g_date_time_get_ymd (dt, &year, &month, &day);
  date = g_date_new_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year);
  return g_date_get_julian (date);
}

static SprigConversationGroup
group_for_dates (GDateTime *now,
                 GDateTime *t)
{
  gint64 days = (gint64) julian_day (now) - (gint64) julian_day (t);

  /* A time in the future (a clock set back) counts as today. */
  if (days <= 0)
    return SPRIG_CONVERSATION_GROUP_TODAY;
  if (days == 1)
    return SPRIG_CONVERSATION_GROUP_YESTERDAY;
  if (days <= 7)
    return SPRIG_CONVERSATION_GROUP_PREVIOUS_7_DAYS;
  if (days <= 30)
    return SPRIG_CONVERSATION_GROUP_PREVIOUS_30_DAYS;
  if (g_date_time_get_year (now) == g_date_time_get_year (t))
    return SPRIG_CONVERSATION_GROUP_MONTH;
  return SPRIG_CONVERSATION_GROUP_MONTH_YEAR;
}

static char *
group_label (SprigConversationGroup group,
             GDateTime             *t)
{
  switch (group)
    {
    case SPRIG_CONVERSATION_GROUP_PINNED:
      return g_strdup (_("Pinned"));
    case SPRIG_CONVERSATION_GROUP_TODAY:
      return g_strdup (_("Today"));
    case SPRIG_CONVERSATION_GROUP_YESTERDAY:
      return g_strdup (_("Yesterday"));
    case SPRIG_CONVERSATION_GROUP_PREVIOUS_7_DAYS:
      return g_strdup (_("Previous 7 Days"));
    case SPRIG_CONVERSATION_GROUP_PREVIOUS_30_DAYS:
      return g_strdup (_("Previous 30 Days"));
    case SPRIG_CONVERSATION_GROUP_MONTH:
      /* %OB is the month's name as it stands alone, not inside a date */
      return g_date_time_format (t, "%OB");
    case SPRIG_CONVERSATION_GROUP_MONTH_YEAR:
    default:
      /* Translators: a sidebar heading for chats of an earlier year, e.g. "March 2023";
       * see g_date_time_format () for the codes: %OB is the month's name, %Y the year */
      return g_date_time_format (t, _("%OB %Y"));
    }
}

/* The group of a conversation last changed at @t_us, seen at @now_us (both microseconds
 * since the epoch) in @tz (NULL: the local time zone). @label, if not NULL, receives the
 * group's heading, to be freed. */
SprigConversationGroup
sprig_conversation_group_for_time (gint64      now_us,
                                   gint64      t_us,
                                   GTimeZone  *tz,
                                   char      **label)
{
  g_autoptr(GTimeZone) local = tz == NULL ? g_time_zone_new_local () : NULL;
  g_autoptr(GDateTime) now = to_zone (now_us, tz != NULL ? tz : local);
  g_autoptr(GDateTime) t = to_zone (t_us, tz != NULL ? tz : local);
  SprigConversationGroup group;

  /* Out of GDateTime's range (years 1 to 9999): no date to group by. */
  if (now == NULL || t == NULL)
    group = SPRIG_CONVERSATION_GROUP_TODAY;
  else
    group = group_for_dates (now, t);
  if (label != NULL)
    *label = group_label (group, t);
  return group;
}

char *
sprig_conversation_group_pinned_label (void)
{
  return group_label (SPRIG_CONVERSATION_GROUP_PINNED, NULL);
}
