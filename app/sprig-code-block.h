/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_CODE_BLOCK (sprig_code_block_get_type ())

G_DECLARE_FINAL_TYPE (SprigCodeBlock, sprig_code_block, SPRIG, CODE_BLOCK, GtkWidget)

GtkWidget  *sprig_code_block_new      (const char     *code,
                                       const char     *language);
char       *sprig_code_block_dup_code (SprigCodeBlock *self);

G_END_DECLS
