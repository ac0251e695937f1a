/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The sidebar's day groups, newest first; pinned conversations go above all of them. */
typedef enum
{
  SPRIG_CONVERSATION_GROUP_PINNED,
  SPRIG_CONVERSATION_GROUP_TODAY,
  SPRIG_CONVERSATION_GROUP_YESTERDAY,
  SPRIG_CONVERSATION_GROUP_PREVIOUS_7_DAYS,
  SPRIG_CONVERSATION_GROUP_PREVIOUS_30_DAYS,
  SPRIG_CONVERSATION_GROUP_MONTH,       /* earlier this year: "March" */
  SPRIG_CONVERSATION_GROUP_MONTH_YEAR,  /* an earlier year: "March 2023" */
} SprigConversationGroup;

SprigConversationGroup sprig_conversation_group_for_time (gint64      now_us,
                                                          gint64      t_us,
                                                          GTimeZone  *tz,
                                                          char      **label);
char                  *sprig_conversation_group_pinned_label (void);

G_END_DECLS
