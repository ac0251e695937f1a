/* SPDX-License-Identifier: Apache-2.0
 *
 * Shared by the UI tests that run the whole window under Xvfb: waiting on the main
 * loop, finding widgets, screenshots into the build folder, and waiting for a store call.
 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-store.h"

G_BEGIN_DECLS

typedef gboolean (*SprigTestCondition) (gpointer data);

void       sprig_test_wait_for       (SprigTestCondition  cond,
                                      gpointer            data,
                                      const char         *what);
void       sprig_test_spin           (guint               ms);
GtkWidget *sprig_test_find_widget    (GtkWidget          *root,
                                      GType               type);
void       sprig_test_screenshot     (GtkWidget          *window,
                                      const char         *name);
void       sprig_test_store_result_cb (GObject           *source,
                                       GAsyncResult      *result,
                                       gpointer           user_data);
gint64     sprig_test_await_id       (SprigStore         *store,
                                      GAsyncResult      **result,
                                      gint64            (*finish) (SprigStore *, GAsyncResult *,
                                                                   GError **));

G_END_DECLS
