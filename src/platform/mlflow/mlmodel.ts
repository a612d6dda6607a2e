// The `MLmodel` file (YAML) → ModelSignature. MLflow stores `signature.inputs` / `outputs` as JSON
// *strings* of column specs (`{"name", "type", "required"}`) or tensor specs
// (`{"name"?, "type": "tensor", "tensor-spec": {"dtype", "shape"}}`). Pure: no I/O.

import { parse } from 'yaml';
import type { ColumnSpec, ModelSignature } from '../../evidence/types.js';
import { RegistryAnswerError } from './wire.js';

type Json = unknown;

const isRecord = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A readable name for a column type, including MLflow's nested array/object/map types. */
const typeName = (spec: Record<string, Json>): string => {
  const type = spec['type'];
  if (type === 'tensor') {
    const tensor = spec['tensor-spec'];
    const dtype = isRecord(tensor) && typeof tensor['dtype'] === 'string' ? tensor['dtype'] : 'unknown';
    return `tensor:${dtype}`;
  }
  if (type === 'array' && isRecord(spec['items'])) return `array<${typeName(spec['items'])}>`;
  if (type === 'map' && isRecord(spec['values'])) return `map<string,${typeName(spec['values'])}>`;
  if (type === 'object' && isRecord(spec['properties'])) {
    const props = Object.entries(spec['properties'])
      .filter((e): e is [string, Record<string, Json>] => isRecord(e[1]))
      .map(([k, v]) => `${k}:${typeName(v)}`);
    return `object<${props.join(',')}>`;
  }
  if (typeof type === 'string') return type;
  if (isRecord(type)) return typeName(type); // older nested form {"type": {"type": "array", ...}}
  throw new RegistryAnswerError(`MLmodel signature column has no type: ${JSON.stringify(spec)}`);
};

const parseSpecs = (raw: Json, which: string): ColumnSpec[] | null => {
  if (raw === undefined || raw === null || raw === '') return null;
  let specs: Json = raw;
  if (typeof raw === 'string') {
    try {
      specs = JSON.parse(raw) as Json;
    } catch {
      throw new RegistryAnswerError(`MLmodel signature.${which} is not valid JSON`);
    }
  }
  if (!Array.isArray(specs)) throw new RegistryAnswerError(`MLmodel signature.${which} is not a list of column specs`);
  return specs.map((spec) => {
    if (!isRecord(spec)) throw new RegistryAnswerError(`MLmodel signature.${which} has a non-object entry`);
    return {
      name: typeof spec['name'] === 'string' ? spec['name'] : null,
      type: typeName(spec),
      // MLflow: a column is required unless it says otherwise.
      required: spec['required'] !== false,
    };
  });
};

/** null when the MLmodel has no signature. Throws RegistryAnswerError when the file is not an MLmodel. */
export const signatureFromMlmodel = (text: string): ModelSignature | null => {
  let doc: Json;
  try {
    doc = parse(text) as Json;
  } catch (e) {
    throw new RegistryAnswerError(`MLmodel is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(doc) || !('flavors' in doc || 'signature' in doc || 'model_uuid' in doc)) {
    throw new RegistryAnswerError('the file served as MLmodel does not look like an MLmodel file');
  }
  const signature = doc['signature'];
  if (!isRecord(signature)) return null;
  const example = doc['saved_input_example_info'];
  const examplePath = isRecord(example) && typeof example['artifact_path'] === 'string' ? example['artifact_path'] : null;
  return {
    inputs: parseSpecs(signature['inputs'], 'inputs'),
    outputs: parseSpecs(signature['outputs'], 'outputs'),
    inputExamplePath: examplePath,
  };
};
