/**
 * The auxiliary bus as an inversify ContainerModule (a singleton per machine), with its initcall
 * (auxiliary_bus_init) registering the bus at kernel init.
 */
import { ContainerModule } from 'inversify';
import { IInitcall } from '../base/index.js';
import { AuxiliaryBus, IAuxiliaryBus } from './auxiliary-bus.js';

export const auxiliaryModule = new ContainerModule(({ bind }) => {
  bind(IAuxiliaryBus).to(AuxiliaryBus).inSingletonScope();
  bind(IInitcall).toConstantValue({ name: 'auxiliary', run: (get) => get(IAuxiliaryBus).init() });
});
