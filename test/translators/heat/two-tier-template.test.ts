import assert from 'node:assert/strict';
import { compileStack, diffStacks, parseEnvironment } from '../../../translators/heat/index.js';
import { fixedResolver, IDENTITY } from './heat-test-helpers.js';

/** A realistic two-tier template in the style of Heat's WordPress examples. */
const TWO_TIER = `heat_template_version: 2018-08-31
description: WordPress on one server, MariaDB on another

parameter_groups:
  - label: sizing
    parameters: [flavor, image]

parameters:
  image:
    type: string
    default: debian-12
  flavor:
    type: string
    default: m1.small
    constraints:
      - custom_constraint: nova.flavor
  db_name:
    type: string
    default: wordpress
    constraints:
      - length: {min: 1, max: 64}
      - allowed_pattern: '[a-zA-Z][a-zA-Z0-9]*'
        description: db_name must begin with a letter and contain only letters and digits
  public:
    type: boolean
    default: false

conditions:
  expose: {get_param: public}

resources:
  db_password:
    type: OS::Heat::RandomString
    properties:
      length: 20
  db:
    type: OS::Nova::Server
    properties:
      image: {get_param: image}
      flavor: {get_param: flavor}
      user_data_format: RAW
      user_data:
        str_replace:
          template: {get_file: "file:///src/db.sh"}
          params:
            $DB_NAME: {get_param: db_name}
            $DB_PASSWORD: {get_attr: [db_password, value]}
  web:
    type: OS::Nova::Server
    properties:
      image: {get_param: image}
      flavor: {get_param: flavor}
      metadata: {role: web, stack: {get_param: "OS::stack_name"}}
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            echo "db=$DB_HOST pw=$DB_PASSWORD" > /etc/wp.conf
          params:
            $DB_HOST: {get_attr: [db, networks, private, 0]}
            $DB_PASSWORD: {get_attr: [db_password, value]}
  floating_ip:
    type: OS::Neutron::FloatingIP
    condition: expose
    properties:
      port_id: {get_attr: [web, addresses, private, 0, port]}

outputs:
  website_url:
    description: The WordPress install page
    value:
      make_url:
        scheme: http
        host: {get_attr: [web, first_address]}
        path: /wp-admin/install.php
  public_ip:
    condition: expose
    value: {get_attr: [floating_ip, floating_ip_address]}
`;

const FILES = { 'file:///src/db.sh': '#!/bin/sh\ncreate-db $DB_NAME $DB_PASSWORD\n' };

describe('translators/heat: a two-tier template end to end', () => {
  it('compiles, orders, and resolves as resources come into existence', async () => {
    const stack = await compileStack(TWO_TIER, { identity: IDENTITY, filename: 'wordpress.yaml', files: FILES });
    assert.equal(stack.description, 'WordPress on one server, MariaDB on another');
    assert.deepEqual([...stack.resources.keys()], ['db_password', 'db', 'web']);
    assert.deepEqual([...stack.disabledResources], ['floating_ip']);
    assert.deepEqual(stack.graph.createWaves(), [['db_password'], ['db'], ['web']]);
    assert.deepEqual(stack.warnings, ['parameter "flavor": custom constraint "nova.flavor" is not checked by this cloud']);

    const resolver = fixedResolver({
      db_password: { id: 'Zx9', attributes: { value: 'Zx9' } },
      db: { id: 'db-uuid', attributes: { networks: { private: ['10.0.0.7'] } } },
      web: { id: 'web-uuid', attributes: { first_address: '10.0.0.8' } },
    });
    const db = await stack.properties('db', resolver);
    assert.equal(db.user_data, '#!/bin/sh\ncreate-db wordpress Zx9\n');
    const web = await stack.properties('web', resolver);
    assert.equal(web.user_data, '#!/bin/sh\necho "db=10.0.0.7 pw=Zx9" > /etc/wp.conf\n');
    assert.deepEqual(web.metadata, { role: 'web', stack: 'teststack' });
    assert.deepEqual(await stack.outputValues(resolver), [
      { output_key: 'website_url', description: 'The WordPress install page', output_value: 'http://10.0.0.8/wp-admin/install.php' },
      { output_key: 'public_ip', description: 'No description given', output_value: null },
    ]);
  });

  it('an environment turning on the floating IP adds it after web; the diff says so', async () => {
    const before = await compileStack(TWO_TIER, { identity: IDENTITY, files: FILES });
    const env = parseEnvironment('parameters:\n  public: true\n');
    const after = await compileStack(TWO_TIER, { identity: IDENTITY, files: FILES, environment: env });
    assert.deepEqual(after.graph.createWaves(), [['db_password'], ['db'], ['web'], ['floating_ip']]);
    const plan = await diffStacks(before, after);
    assert.deepEqual(plan, { unchanged: ['db_password', 'db', 'web'], update: [], replace: [], add: ['floating_ip'], remove: [] });
  });

  it('a bad parameter value is refused with the line of its definition', async () => {
    await assert.rejects(compileStack(TWO_TIER, { identity: IDENTITY, filename: 'wordpress.yaml', files: FILES, parameters: { db_name: '9lives' } }),
      /^TemplateError: wordpress\.yaml:17: parameters\.db_name: parameter "db_name" is invalid: db_name must begin with a letter and contain only letters and digits$/);
  });

  it('a missing get_file is refused at compile time with its line', async () => {
    await assert.rejects(compileStack(TWO_TIER, { identity: IDENTITY, filename: 'wordpress.yaml' }),
      /wordpress\.yaml:44: resources\.db\.properties\.user_data\.str_replace\.template\.get_file: no content in the "files" map for get_file path file:\/\/\/src\/db\.sh/);
  });
});
