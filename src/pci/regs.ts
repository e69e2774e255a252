/**
 * PCI configuration-space layout (include/uapi/linux/pci_regs.h): register offsets of the
 * type 0 and type 1 headers, capability and extended-capability ids, and the DOE register block
 * (PCIe r6 §7.9.24). Values only; walking the lists is device.ts's, the hardware behind the
 * registers is src/drivers'.
 */

/** Standard header registers (both header types unless noted). */
export const pciRegs = {
  VENDOR_ID: 0x00, // 16 bits
  DEVICE_ID: 0x02, // 16 bits
  COMMAND: 0x04, // 16 bits, see pciCommand
  STATUS: 0x06, // 16 bits, see pciStatus
  REVISION_ID: 0x08, // 8 bits
  CLASS_PROG: 0x09, // 8 bits: programming interface (low byte of the 24-bit class)
  CLASS_DEVICE: 0x0a, // 16 bits: base class and sub class
  CACHE_LINE_SIZE: 0x0c, // 8 bits
  LATENCY_TIMER: 0x0d, // 8 bits
  HEADER_TYPE: 0x0e, // 8 bits: layout in bits 6:0, multi-function in bit 7
  BIST: 0x0f, // 8 bits
  BASE_ADDRESS_0: 0x10, // 32 bits each; six on type 0, two on type 1
  PRIMARY_BUS: 0x18, // type 1, 8 bits
  SECONDARY_BUS: 0x19, // type 1, 8 bits
  SUBORDINATE_BUS: 0x1a, // type 1, 8 bits
  MEMORY_BASE: 0x20, // type 1, 16 bits: bits 15:4 = address bits 31:20
  MEMORY_LIMIT: 0x22, // type 1, 16 bits
  SUBSYSTEM_VENDOR_ID: 0x2c, // type 0, 16 bits
  SUBSYSTEM_ID: 0x2e, // type 0, 16 bits
  ROM_ADDRESS: 0x30, // type 0, 32 bits
  CAPABILITY_LIST: 0x34, // 8 bits: offset of the first capability
  INTERRUPT_LINE: 0x3c, // 8 bits
  INTERRUPT_PIN: 0x3d, // 8 bits
  BRIDGE_CONTROL: 0x3e, // type 1, 16 bits
} as const;

export const pciCommand = {
  IO: 0x1, // respond to I/O space
  MEMORY: 0x2, // respond to memory space
  MASTER: 0x4, // bus mastering
  INTX_DISABLE: 0x400, // INTx emulation disable
} as const;

export const pciStatus = {
  CAP_LIST: 0x10, // the capability list at CAPABILITY_LIST is valid
} as const;

export const pciHeaderType = {
  NORMAL: 0, // type 0: endpoint
  BRIDGE: 1, // type 1: PCI-to-PCI bridge (root ports, switch ports)
  CARDBUS: 2, // type 2: CardBus bridge
  MULTI_FUNCTION: 0x80, // bit 7: functions 1..7 may exist
} as const;

/** BAR low bits (PCI_BASE_ADDRESS_*). */
export const pciBaseAddress = {
  SPACE_IO: 0x1, // bit 0: I/O BAR
  MEM_TYPE_64: 0x4, // bits 2:1 = 10b: 64-bit memory BAR
  MEM_PREFETCH: 0x8, // bit 3: prefetchable
  MEM_MASK: 0xfffffff0, // address bits of a memory BAR
  IO_MASK: 0xfffffffc, // address bits of an I/O BAR
} as const;

/** Capability ids in the standard list (PCI_CAP_ID_*). */
export const pciCapIds = {
  PM: 0x01, // Power Management
  MSI: 0x05, // Message Signalled Interrupts
  VNDR: 0x09, // vendor specific
  SSVID: 0x0d, // bridge subsystem vendor/device id
  EXP: 0x10, // PCI Express
  MSIX: 0x11, // MSI-X
} as const;

/** Extended capability ids (PCI_EXT_CAP_ID_*), in config space from 0x100. */
export const pciExtCapIds = {
  ERR: 0x0001, // Advanced Error Reporting
  DSN: 0x0003, // Device Serial Number
  ARI: 0x000e, // Alternative Routing-ID
  SRIOV: 0x0010, // Single Root I/O Virtualization
  DVSEC: 0x0023, // Designated Vendor-Specific (CXL uses vendor 0x1E98)
  ACS: 0x000d, // Access Control Services
  DOE: 0x002e, // Data Object Exchange
} as const;

/** PCI Express capability registers (offsets from the capability). */
export const pciExpRegs = {
  FLAGS: 0x02, // 16 bits: version in 3:0, port type in 7:4
  DEVCAP: 0x04, // 32 bits: bit 28 = Function Level Reset capable
  DEVCTL: 0x08, // 16 bits: bit 15 = Initiate FLR
  LNKCAP: 0x0c, // 32 bits: max link speed in 3:0, max width in 9:4
  LNKSTA: 0x12, // 16 bits: current link speed in 3:0, negotiated width in 9:4
  LNKCAP2: 0x2c, // 32 bits: supported link speeds vector in 7:1
} as const;

export const pciExpTypes = {
  ENDPOINT: 0x0, // PCI Express endpoint
  LEG_END: 0x1, // legacy endpoint
  ROOT_PORT: 0x4, // root port of a root complex
  UPSTREAM: 0x5, // upstream port of a switch
  DOWNSTREAM: 0x6, // downstream port of a switch
  PCI_BRIDGE: 0x7, // PCIe-to-PCI/PCI-X bridge
  PCIE_BRIDGE: 0x8, // PCI/PCI-X-to-PCIe bridge
  RC_END: 0x9, // root complex integrated endpoint
  RC_EC: 0xa, // root complex event collector
} as const;

/** PCI_EXP_DEVCAP_FLR. */
export const PCI_EXP_DEVCAP_FLR = 1 << 28;

/** DOE extended-capability registers, offsets from the capability start (PCI_DOE_*). */
export const pciDoeRegs = {
  HEADER: 0x00, // extended capability header: id 0x2E, version, next
  CAP: 0x04, // DOE Capabilities: interrupt support (bit 0), message number (11:1)
  CTRL: 0x08, // DOE Control: Abort (bit 0), Interrupt Enable (bit 1), Go (bit 31)
  STATUS: 0x0c, // DOE Status: Busy (0), Interrupt Status (1, RW1C), Error (2), Data Object Ready (31)
  WRITE: 0x10, // Write Data Mailbox: each dword write appends one dword
  READ: 0x14, // Read Data Mailbox: read the current dword; any write advances
} as const;

export const pciDoeCtrl = {
  ABORT: 0x1, // write 1 to abort; reads 0
  INT_EN: 0x2, // interrupt enable
  GO: 0x80000000, // write 1 to start the exchange; reads 0
} as const;

export const pciDoeStatus = {
  BUSY: 0x1, // the mailbox is processing an object
  INT_STATUS: 0x2, // RW1C
  ERROR: 0x4, // the mailbox hit an error; abort clears it
  DATA_OBJECT_READY: 0x80000000, // a response dword is waiting in READ
} as const;

/** PCI_DOE_CAP_SIZEOF: the capability is the header plus five registers. */
export const PCI_DOE_CAP_SIZEOF = 0x18;

/** PCI_CFG_SPACE_SIZE and PCI_CFG_SPACE_EXP_SIZE. */
export const PCI_CFG_SPACE_SIZE = 256;
export const PCI_CFG_SPACE_EXP_SIZE = 4096;

/** Number of BARs of a type 0 header (PCI_STD_NUM_BARS). */
export const PCI_STD_NUM_BARS = 6;
