/* SPDX-License-Identifier: Apache-2.0
 *
 * Defines the SE_ERROR quark shared by every engine module.
 */
#include "sprig/se-error.h"

G_DEFINE_QUARK (se-error-quark, se_error)
