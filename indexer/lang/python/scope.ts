/**
 * What a Python file sees by bare name beyond its imports: pytest's fixtures. A test module's
 * function parameter named like a fixture (`def test_x(app):`) receives the fixture defined
 * (`@pytest.fixture def app(…)`) in a `conftest.py` of the module's folder or of any folder above
 * it; a conftest sees those of the folders above its own.
 */
import { dirOf, join } from '../../file-index.js';
import type { ScopeRule } from '../language-support.js';

/** pytest's default test file names (`python_files`), and conftest.py itself. */
const TEST_FILE = /(?:^|\/)(?:test_[^/]*|[^/]*_test|conftest)\.py$/;

export const pythonScope: ScopeRule = ({ from, ctx }) => {
  if (!TEST_FILE.test(from)) return [];
  const out: string[] = [];
  let dir = dirOf(from);
  for (let depth = 0; depth < 64; depth++) {
    const conftest = join(dir, 'conftest.py');
    if (conftest && conftest !== from && ctx.files.has(conftest)) out.push(conftest);
    if (dir === '') break;
    dir = dirOf(dir);
  }
  return out;
};
