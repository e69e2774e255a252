/**
 * The auxiliary bus as an inversify ContainerModule (a singleton per machine). Registering the
 * bus at kernel init is the subsystem's job (src/machine/subsystems.ts).
 */
import { ContainerModule } from 'inversify';
import { AuxiliaryBus, IAuxiliaryBus } from './auxiliary-bus.js';

export const auxiliaryModule = new ContainerModule(({ bind }) => {
  bind(IAuxiliaryBus).to(AuxiliaryBus).inSingletonScope();
});
