import { Container, inject, injectable } from 'inversify';
import { describe, expect, it } from 'vitest';

const IGreeting = Symbol.for('IGreeting');

@injectable()
class Greeter {
  constructor(@inject(IGreeting) readonly greeting: string) {}
}

describe('inversify under vitest', () => {
  it('should resolve constructor parameters through explicit @inject', () => {
    const c = new Container();
    c.bind(IGreeting).toConstantValue('hello');
    c.bind(Greeter).toSelf().inSingletonScope();
    expect(c.get(Greeter).greeting).toBe('hello');
    expect(c.get(Greeter)).toBe(c.get(Greeter));
  });
});
