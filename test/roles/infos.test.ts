/** The role list the wizard draws first (src/roles/infos.ts) is the registry's, in its order. */
import { describe, expect, it } from 'vitest';
import { ROLE_INFOS, roleInfoList } from '../../src/roles/infos.js';
import { ROLE_IDS, ROLES, roleInfos } from '../../src/roles/index.js';

describe('role infos', () => {
  it("are the role modules' own infos, in the wizard's order", () => {
    expect(roleInfoList()).toEqual(roleInfos());
    expect(roleInfoList().map((r) => r.id)).toEqual([...ROLE_IDS]);
    for (const id of ROLE_IDS) {
      expect(ROLES[id].info).toBe(ROLE_INFOS[id]);
      expect(ROLE_INFOS[id].id).toBe(id);
      expect(ROLE_INFOS[id].title).not.toBe('');
      expect(ROLE_INFOS[id].summary).not.toBe('');
    }
  });
});
