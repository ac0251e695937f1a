/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

#include "sprig-chat-settings.h"

G_BEGIN_DECLS

/* An AdwActionRow for one SprigChatSettings key (a JSON name such as "top_p"): a spin
 * button, or a switch for yes/no settings, titled and explained for the user. */
GtkWidget *sprig_setting_row_new        (const char        *json_key);
const SprigChatSettingKey *
           sprig_setting_row_get_key    (GtkWidget         *row);
double     sprig_setting_row_get_value  (GtkWidget         *row);
void       sprig_setting_row_set_value  (GtkWidget         *row,
                                         double             value);
/* Binds the row's value to its GSettings key. */
void       sprig_setting_row_bind       (GtkWidget         *row,
                                         GSettings         *settings);
/* Adds a row for every key to @group (except @skip, a JSON name, when non-NULL). */
void       sprig_setting_rows_add_all   (AdwPreferencesGroup *group,
                                         const char        *skip);
/* The rows of @group made by sprig_setting_row_new (), in order. */
GPtrArray *sprig_setting_rows_find      (AdwPreferencesGroup *group);

G_END_DECLS
