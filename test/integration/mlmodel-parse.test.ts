// MLmodel parsing for shapes the seeded sklearn models do not produce (nested types, tensors with
// names, optional columns), and files that are not MLmodels. Pure; lives here beside the adapter.

import { describe, expect, it } from 'vitest';
import { signatureFromMlmodel } from '../../src/platform/mlflow/mlmodel.js';
import { RegistryAnswerError } from '../../src/platform/mlflow/wire.js';

const mlmodel = (inputs: unknown, outputs?: unknown): string =>
  [
    'flavors:',
    '  python_function: {loader_module: mlflow.pyfunc.model}',
    'signature:',
    `  inputs: '${JSON.stringify(inputs)}'`,
    ...(outputs === undefined ? [] : [`  outputs: '${JSON.stringify(outputs)}'`]),
    '  params: null',
  ].join('\n');

describe('signatureFromMlmodel', () => {
  it('renders nested array / object / map column types and honours required: false', () => {
    const sig = signatureFromMlmodel(
      mlmodel([
        { type: 'array', items: { type: 'string' }, name: 'tokens', required: true },
        { type: 'object', properties: { a: { type: 'long' }, b: { type: 'double' } }, name: 'meta', required: false },
        { type: 'map', values: { type: 'float' }, name: 'weights' },
      ]),
    );
    expect(sig).toEqual({
      inputs: [
        { name: 'tokens', type: 'array<string>', required: true },
        { name: 'meta', type: 'object<a:long,b:double>', required: false },
        { name: 'weights', type: 'map<string,float>', required: true },
      ],
      outputs: null,
      inputExamplePath: null,
    });
  });

  it('keeps tensor names when present', () => {
    const sig = signatureFromMlmodel(mlmodel([{ name: 'image', type: 'tensor', 'tensor-spec': { dtype: 'uint8', shape: [-1, 28, 28] } }]));
    expect(sig?.inputs).toEqual([{ name: 'image', type: 'tensor:uint8', required: true }]);
  });

  it('answers null for an MLmodel without a signature', () => {
    expect(signatureFromMlmodel('flavors:\n  sklearn: {pickled_model: model.pkl}\nmodel_uuid: abc\n')).toBeNull();
  });

  it('rejects files that are not MLmodels, and signatures that are not JSON', () => {
    expect(() => signatureFromMlmodel('<!doctype html><html>Not Found</html>')).toThrow(RegistryAnswerError);
    expect(() => signatureFromMlmodel('flavors: {}\nsignature:\n  inputs: "[not json"\n')).toThrow('MLmodel signature.inputs is not valid JSON');
    expect(() => signatureFromMlmodel('flavors: [\n')).toThrow(/MLmodel is not valid YAML/);
  });
});
