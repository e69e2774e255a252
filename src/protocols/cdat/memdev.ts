/**
 * The CDAT a CXL type-3 device builds for its memory regions, as QEMU's
 * ct3_build_cdat_entries_for_mr does (protocols §2.2): per region a DSMAS, four DSLBIS (read
 * and write latency in units of 10000 ps: 15 and 25; read and write bandwidth in units of
 * 1000: 16 and 16; only entry[0] used, flags 0) and a DSEMTS. The volatile region comes first
 * (handle 0, DPA 0), the persistent one next (handle 1 and DPA after the volatile region, or
 * handle 0 and DPA 0 alone). QEMU 7.2's `memdev=` is persistent (case b1); mainline's
 * `volatile-memdev` gives Appendix B.3.
 */
import { type CdatStructure, cdatTypes, dsmasFlags, hmatDataTypes } from './structures.js';
import { type CdatTable, buildCdatTable } from './table.js';

export interface MemdevRegions {
  /** Bytes of volatile memory (0 or absent: none). */
  readonly volatileSize?: bigint;
  /** Bytes of persistent memory (0 or absent: none). */
  readonly persistentSize?: bigint;
}

/** EFI memory type/attribute of DSEMTS: EFI_MEMORY_SP for volatile, 2 for persistent (QEMU). */
const EFI_TYPE_ATTR = { volatile: 1, persistent: 2 } as const;

function regionStructures(handle: number, base: bigint, size: bigint, persistent: boolean): CdatStructure[] {
  const lb = (dataType: number, unit: bigint, value: number): CdatStructure => ({
    type: cdatTypes.DSLBIS,
    handle,
    flags: 0,
    dataType,
    entryBaseUnit: unit,
    entries: [value, 0, 0],
  });
  return [
    { type: cdatTypes.DSMAS, handle, flags: persistent ? dsmasFlags.NON_VOLATILE : 0, dpaBase: base, dpaLength: size },
    lb(hmatDataTypes.READ_LATENCY, 10000n, 15),
    lb(hmatDataTypes.WRITE_LATENCY, 10000n, 25),
    lb(hmatDataTypes.READ_BANDWIDTH, 1000n, 16),
    lb(hmatDataTypes.WRITE_BANDWIDTH, 1000n, 16),
    { type: cdatTypes.DSEMTS, handle, efiTypeAttr: persistent ? EFI_TYPE_ATTR.persistent : EFI_TYPE_ATTR.volatile, dpaOffset: 0n, dpaLength: size },
  ];
}

export function memdevCdat(regions: MemdevRegions): CdatTable {
  const vol = regions.volatileSize ?? 0n;
  const pmem = regions.persistentSize ?? 0n;
  const structures: CdatStructure[] = [];
  let handle = 0;
  if (vol > 0n) structures.push(...regionStructures(handle++, 0n, vol, false));
  if (pmem > 0n) structures.push(...regionStructures(handle++, vol, pmem, true));
  return buildCdatTable(structures);
}
