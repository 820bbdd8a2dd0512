import { describe, expect, it } from 'vitest';
import { declaredTypes } from '../../retrieval/buffer-names.js';

describe('declaredTypes', () => {
  const types = (lines: string[], go = false) => Object.fromEntries([...declaredTypes(lines, { go })].map(([k, v]) => [k, [...v]]));

  it('reads annotations, constructions and factories, keeping the type name without its module', () => {
    expect(
      types([
        'constructor(private readonly client: DaemonClient) {}',
        'const mailer = new mail.SmtpMailer(cfg);',
        'const ws = await Workspace.open(root);',
        'def handle(self, req: http.Request):',
        '    session = Session(req)',
        'let count = 0;',
        'const name = path.basename(p);',
      ]),
    ).toEqual({ client: ['DaemonClient'], mailer: ['SmtpMailer'], ws: ['Workspace'], req: ['Request'], session: ['Session'] });
  });

  it("reads Go's parameters and composite literals only in Go", () => {
    const line = 'func (r *Router) Handle(w http.ResponseWriter, req *http.Request) {';
    expect(types([line, 'm := &Mux{}'], true)).toEqual({ r: ['Router'], w: ['ResponseWriter'], req: ['Request'], m: ['Mux'] });
    expect(types([line])).toEqual({});
  });
});
