/**
 * ServiceGraph builds services from ContainerModules and @inject metadata on first use, as the
 * container's singletons were, and keeps them in the container as constants — so resolving
 * makes no WeakRef (inversify's planner makes one per plan node of a class binding).
 */
import 'reflect-metadata';
import { Container, ContainerModule, inject, injectable, optional } from 'inversify';
import { afterEach, describe, expect, it } from 'vitest';
import { BugIndicatingError } from '../../src/base/index.js';
import { ServiceGraph } from '../../src/machine/index.js';

const IA = Symbol.for('test:A');
const IB = Symbol.for('test:B');
const IC = Symbol.for('test:C');
const IAlias = Symbol.for('test:Alias');
const IMissing = Symbol.for('test:Missing');
const IList = Symbol.for('test:List');
const IValue = Symbol.for('test:Value');

/** Constructions in order, across the classes below. */
const built: string[] = [];

@injectable()
class A {
  constructor() {
    built.push('A');
  }
}
@injectable()
class B {
  constructor(@inject(IA) readonly a: A) {
    built.push('B');
  }
}
@injectable()
class C {
  constructor(
    @inject(IB) readonly b: B,
    @inject(IA) readonly a: A,
    @inject(IMissing) @optional() readonly missing: unknown,
  ) {
    built.push('C');
  }
}

const abc = new ContainerModule(({ bind }) => {
  bind(IC).to(C).inSingletonScope();
  bind(IB).to(B).inSingletonScope();
  bind(IA).to(A).inSingletonScope();
  bind(IAlias).toService(IC);
  bind(IList).toConstantValue('one');
  bind(IList).toConstantValue('two');
  bind(IValue).toResolvedValue((c: C) => ({ fromC: c }), [IC]);
});

/** A graph of `modules`; `withContainer` makes its inversify container first (the container is then the authority). */
function graph(modules: readonly ContainerModule[], withContainer = true): { g: ServiceGraph; c: Container } {
  built.length = 0;
  const g = new ServiceGraph();
  g.load(...modules);
  return { g, c: withContainer ? g.container : (undefined as unknown as Container) };
}
const modes = [
  ['without a container', false],
  ['with a container', true],
] as const;

const RealWeakRef = globalThis.WeakRef;
afterEach(() => {
  globalThis.WeakRef = RealWeakRef;
});
/** Counts WeakRef constructions from now on. */
function countWeakRefs(): { readonly count: number } {
  const counter = { count: 0 };
  globalThis.WeakRef = class<T extends WeakKey> extends RealWeakRef<T> {
    constructor(target: T) {
      super(target);
      counter.count++;
    }
  } as WeakRefConstructor;
  return counter;
}

describe('ServiceGraph', () => {
  it.each(modes)(
    'should build nothing at load, then each service once, on first use, dependencies first in parameter order (%s)',
    (_m, withContainer) => {
      const { g } = graph([abc], withContainer);
      expect(built).toEqual([]);
      const c = g.get<C>(IC);
      expect(built).toEqual(['A', 'B', 'C']);
      expect(c.b.a).toBe(c.a);
      expect(c.missing).toBeUndefined();
      expect(g.get(IC)).toBe(c);
      expect(g.get(IA)).toBe(c.a);
      expect(built).toEqual(['A', 'B', 'C']);
    },
  );

  it.each(modes)('should resolve redirections, resolved values and every binding of an identifier in binding order (%s)', (_m, withContainer) => {
    const { g } = graph([abc], withContainer);
    expect(g.get(IAlias)).toBe(g.get(IC));
    expect(g.get<{ fromC: C }>(IValue).fromC).toBe(g.get(IC));
    expect(g.get(IValue)).toBe(g.get(IValue));
    expect(g.getAll(IList)).toEqual(['one', 'two']);
  });

  it('should answer for every service in the container, and a container.get of one not built yet builds it', () => {
    const { g, c } = graph([abc]);
    for (const id of [IA, IB, IC, IAlias, IList, IValue]) expect(c.isBound(id)).toBe(true);
    expect(c.isBound(IMissing)).toBe(false);
    const b = c.get<B>(IB);
    expect(built).toEqual(['A', 'B']);
    expect(g.get(IB)).toBe(b);
    expect(c.get(IB)).toBe(b);
    expect(built).toEqual(['A', 'B']);
  });

  it('should put what was built before the container was made into it as the same instances', () => {
    const { g } = graph([abc], false);
    const b = g.get<B>(IB);
    const c = g.container;
    expect(c.get(IB)).toBe(b);
    expect(c.get(IA)).toBe(b.a);
    expect(c.getAll(IList)).toEqual(['one', 'two']);
    expect(c.get<C>(IAlias).b).toBe(b);
    expect(built).toEqual(['A', 'B', 'C']);
  });

  it('should make no WeakRef while building and resolving, where the container resolving the same classes makes some', () => {
    const weak = countWeakRefs();
    for (const [, withContainer] of modes) {
      const { g } = graph([abc], withContainer);
      g.get(IAlias);
      g.get(IValue);
      g.getAll(IList);
      g.get(IB);
    }
    expect(weak.count).toBe(0);
    // The control: inversify's planner on the same module.
    const c = new Container({ defaultScope: 'Singleton' });
    c.load(abc);
    c.get(IC);
    expect(weak.count).toBeGreaterThan(0);
  });

  it('should let a stand-in bound in the container win over a recipe not built yet', () => {
    const { g, c } = graph([abc]);
    c.unbind(IA);
    const standIn = { standIn: true };
    c.bind(IA).toConstantValue(standIn);
    expect(g.get<C>(IC).a).toBe(standIn);
    expect(built).toEqual(['B', 'C']);
  });

  it.each(modes)('should unbind what a module bound on unload, and build anew when it is loaded again (%s)', (_m, withContainer) => {
    const IEntry = Symbol.for('test:Entry');
    const mod = new ContainerModule(({ bind }) => {
      bind(IEntry).to(B).inSingletonScope();
    });
    const { g } = graph([abc], withContainer);
    g.load(mod);
    const first = g.get(IEntry);
    g.unload(mod);
    expect(g.isBound(IEntry)).toBe(false);
    expect(() => g.get(IEntry)).toThrow();
    g.load(mod);
    expect(g.get(IEntry)).not.toBe(first);
    expect(g.get<B>(IEntry).a).toBe(g.get(IA));
  });

  it.each(modes)('should leave nothing resolvable after clear (%s)', (_m, withContainer) => {
    const { g } = graph([abc], withContainer);
    g.get(IC);
    g.clear();
    expect(g.isBound(IC)).toBe(false);
    expect(g.container.isBound(IA)).toBe(false);
    expect(() => g.get(IA)).toThrow();
  });

  it('should report a dependency cycle with its chain', () => {
    const IX = Symbol.for('test:X');
    const IY = Symbol.for('test:Y');
    @injectable()
    class X {
      constructor(@inject(IY) readonly y: unknown) {}
    }
    @injectable()
    class Y {
      constructor(@inject(IX) readonly x: unknown) {}
    }
    const { g } = graph([
      new ContainerModule(({ bind }) => {
        bind(IX).to(X).inSingletonScope();
        bind(IY).to(Y).inSingletonScope();
      }),
    ]);
    expect(() => g.get(IX)).toThrow(/circular dependency: Symbol\(test:X\) -> Symbol\(test:Y\) -> Symbol\(test:X\)/);
    // The failed build left the placeholders in place.
    expect(g.isBound(IX)).toBe(true);
  });

  it.each([
    ['a transient scope', (bind: (id: symbol) => any) => bind(IA).to(A).inTransientScope()],
    ['a dynamic value', (bind: (id: symbol) => any) => bind(IA).toDynamicValue(() => 1)],
    ['a constraint', (bind: (id: symbol) => any) => bind(IA).to(A).inSingletonScope().whenNamed('x')],
  ])('should refuse %s in a module with BugIndicatingError', (_what, define) => {
    const { g } = graph([], false);
    expect(() => g.load(new ContainerModule(({ bind }) => void define(bind)))).toThrow(BugIndicatingError);
  });

  it('should refuse a class with property injection when it is built', () => {
    @injectable()
    class P {
      @inject(IA) a!: A;
    }
    const IP = Symbol.for('test:P');
    const { g } = graph([
      abc,
      new ContainerModule(({ bind }) => {
        bind(IP).to(P).inSingletonScope();
      }),
    ]);
    expect(() => g.get(IP)).toThrow(/property injection/);
  });
});
