/** Value blocks (encoded values out of line in the world heap) live in core: see its internal/values.ts. */
import * as substrate from '@gocsp/core/internal';

export const { storeValue, takeValue, copyIn, copyOut } = substrate;
