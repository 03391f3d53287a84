/**
 * What the auditor makes of text that may be YAML (add-on configurationValues, kube-proxy's ConfigMap), with the YAML
 * reading given as plain data.
 */
import { describe, expect, it } from 'vitest';
import { configurationValuesAsJson } from '../../shared/auditor/adapters/configuration-values';
import { kubeProxyModeFromText } from '../../shared/auditor/adapters/kubernetes-objects';
import type { ReadYaml, YamlReading } from '../../shared/auditor/adapters/yaml';
import { cniSettings } from '../../shared/auditor/cni-settings';
import { K8S_OFF, readyCluster } from './support/snapshots';

const readingAlways =
  (reading: YamlReading): ReadYaml =>
  async () =>
    reading;

/** For text that must not need yaml: loading it is a failure. */
const yamlNotLoaded: ReadYaml = async (text) => {
  throw new Error(`yaml loaded to read ${JSON.stringify(text)}`);
};

/** What a yaml module that cannot be loaded throws; a SyntaxError, like a body the SDK cannot parse. */
const yamlFailingToLoad: ReadYaml = async () => {
  throw new SyntaxError("The requested module './yaml.mjs' does not provide an export named 'parse'");
};

const TAB_PROBLEM = 'Tabs are not allowed as indentation at line 2, column 1';

describe('configurationValues as JSON', () => {
  it('keeps JSON as it is, without loading yaml', async () => {
    expect(await configurationValuesAsJson('{"env":{"ENABLE_POD_ENI":"true"}}', yamlNotLoaded)).toEqual({
      configurationValues: '{"env":{"ENABLE_POD_ENI":"true"}}',
    });
  });

  it('converts YAML to JSON, an empty document to null', async () => {
    expect(
      await configurationValuesAsJson(
        'env:\n  ENABLE_POD_ENI: true\n',
        readingAlways({ value: { env: { ENABLE_POD_ENI: true } } }),
      ),
    ).toEqual({ configurationValues: '{"env":{"ENABLE_POD_ENI":true}}' });
    expect(await configurationValuesAsJson('# nothing set\n', readingAlways({ value: undefined }))).toEqual({
      configurationValues: 'null',
    });
  });

  it("keeps text that is neither, with YAML's reason", async () => {
    expect(
      await configurationValuesAsJson('env:\n\tX: 1\n', readingAlways({ problem: TAB_PROBLEM })),
    ).toEqual({
      configurationValues: 'env:\n\tX: 1\n',
      configurationValuesProblem: TAB_PROBLEM,
    });
  });

  it('fails when yaml cannot be loaded, instead of calling the text unreadable', async () => {
    await expect(configurationValuesAsJson('env: {}', yamlFailingToLoad)).rejects.toThrow(SyntaxError);
  });
});

describe('VPC CNI settings from configurationValues that are neither JSON nor YAML', () => {
  it("are unknown, naming YAML's reason rather than JSON's", () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.vpcCni = {
      name: 'vpc-cni',
      version: 'v1.19.2',
      configurationValues: 'env:\n\tX: 1\n',
      configurationValuesProblem: TAB_PROBLEM,
    };
    const settings = cniSettings(s);
    expect(settings.configProblem).toBe(`configurationValues is neither JSON nor YAML: ${TAB_PROBLEM}`);
    const v = settings.flag('ENABLE_POD_ENI');
    expect(v.known).toBe(false);
    if (!v.known)
      expect(v.reason).toContain(
        `cannot be read (configurationValues is neither JSON nor YAML: ${TAB_PROBLEM})`,
      );
  });
});

describe("kube-proxy's mode from its ConfigMap's config", () => {
  it('is the mode the YAML sets', async () => {
    expect(
      await kubeProxyModeFromText(
        'kind: KubeProxyConfiguration\nmode: ipvs\n',
        readingAlways({ value: { kind: 'KubeProxyConfiguration', mode: 'ipvs' } }),
      ),
    ).toBe('ipvs');
  });

  it('is empty when there is no config, without loading yaml', async () => {
    expect(await kubeProxyModeFromText('', yamlNotLoaded)).toBe('');
  });

  it('is empty when the config sets none, is not a mapping, or is not YAML', async () => {
    expect(await kubeProxyModeFromText('kind: x', readingAlways({ value: { kind: 'x' } }))).toBe('');
    expect(await kubeProxyModeFromText('ipvs', readingAlways({ value: 'ipvs' }))).toBe('');
    expect(await kubeProxyModeFromText('a: b: c', readingAlways({ problem: 'Nested mappings' }))).toBe('');
  });

  it('fails when yaml cannot be loaded', async () => {
    await expect(kubeProxyModeFromText('mode: ipvs', yamlFailingToLoad)).rejects.toThrow(SyntaxError);
  });
});
