/**
 * The userspace layer's services as one inversify ContainerModule (no kernel init of its own).
 */
import { ContainerModule } from 'inversify';
import { IProcessTable, ProcessTable } from './process-table.js';
import { IProcfs, Procfs } from './procfs.js';
import { IVfs, Vfs } from './vfs.js';

export const userspaceModule = new ContainerModule(({ bind }) => {
  bind(IProcfs).to(Procfs).inSingletonScope();
  bind(IVfs).to(Vfs).inSingletonScope();
  bind(IProcessTable).to(ProcessTable).inSingletonScope();
});
