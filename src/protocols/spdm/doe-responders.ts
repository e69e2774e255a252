/**
 * CMA/SPDM behind a DOE mailbox (protocols §3.1): one `SpdmResponder` engine answering two data
 * object protocols, vendor 0x0001 type 1 (CMA/SPDM, plain messages) and type 2 (Secured CMA/SPDM,
 * DSP0277 records). The payload the mailbox hands over may carry trailing zero padding to a
 * dword; the engine parses message lengths from the message itself and ignores it.
 */
import type { DoeProtocolResponder } from '../doe/responder.js';
import type { SpdmResponder } from './responder.js';

export const PCI_SIG_VENDOR = 0x0001;
export const DOE_TYPE_SPDM = 0x01;
export const DOE_TYPE_SECURED_SPDM = 0x02;

export function spdmDoeResponders(engine: SpdmResponder): [DoeProtocolResponder, DoeProtocolResponder] {
  return [
    { vendor: PCI_SIG_VENDOR, type: DOE_TYPE_SPDM, state: engine, respond: (payload) => engine.respond(payload) },
    { vendor: PCI_SIG_VENDOR, type: DOE_TYPE_SECURED_SPDM, state: engine, respond: (payload) => engine.respondSecured(payload) },
  ];
}
