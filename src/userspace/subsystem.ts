/**
 * The userspace layer's services as a machine subsystem (no kernel init of its own).
 */
import { ContainerModule } from 'inversify';
import type { Subsystem } from '../machine/subsystem.js';
import { IProcessTable, ProcessTable } from './process-table.js';
import { IProcfs, Procfs } from './procfs.js';
import { IVfs, Vfs } from './vfs.js';

export const userspaceSubsystem: Subsystem = {
  name: 'userspace',
  bindings: new ContainerModule(({ bind }) => {
    bind(IProcfs).to(Procfs).inSingletonScope();
    bind(IVfs).to(Vfs).inSingletonScope();
    bind(IProcessTable).to(ProcessTable).inSingletonScope();
  }),
  init: () => {},
};
