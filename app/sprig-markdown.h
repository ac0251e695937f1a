/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GtkWidget *sprig_markdown_render        (const char *text);
gsize      sprig_markdown_stable_prefix (const char *text,
                                         gsize       len);

G_END_DECLS
