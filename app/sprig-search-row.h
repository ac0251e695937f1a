/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-store.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_SEARCH_ROW (sprig_search_row_get_type ())

G_DECLARE_FINAL_TYPE (SprigSearchRow, sprig_search_row, SPRIG, SEARCH_ROW, GtkListBoxRow)

GtkWidget *sprig_search_row_new                 (const SprigSearchHit *hit);
gint64     sprig_search_row_get_conversation_id (SprigSearchRow       *self);
gint64     sprig_search_row_get_message_id      (SprigSearchRow       *self);
char      *sprig_search_snippet_markup          (const char           *snippet);

G_END_DECLS
