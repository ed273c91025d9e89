import { Client } from 'pg';

/**
 * Recounts every quota and directory statistic straight from PostgreSQL and returns the
 * differences (empty when all agree): each directory quota's usage = the entries of its subtree
 * (4 KiB-aligned file lengths, 4 KiB for anything else, one inode each); each user / group quota's
 * = the inodes its uid / gid owns; allowances never sum past a limit; and, when the volume keeps
 * them, each directory's statistics (length, space, inodes, symlinks) = its direct children.
 */
export async function checkAccounting(databaseUrl: string): Promise<string[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const problems: string[] = [];
    const quotas = (
      await c.query<{ kind: number; key: string; used_space: string; used_inodes: string; max_space: string; max_inodes: string; gs: string | null; gi: string | null; space: string; inodes: string }>(
        `select q.kind, q.key::text, sum(s.space)::text as used_space, sum(s.inodes)::text as used_inodes,
                q.max_space::text, q.max_inodes::text, sum(s.space_grant)::text as gs, sum(s.inode_grant)::text as gi,
                (case when q.kind = 1 then (select space from fsmeta_subtree_usage(q.key))
                      else (select coalesce(sum(case when n.type = 1 then (case when n.length <= 0 then 4096 else ((n.length + 4095) / 4096) * 4096 end) else 4096 end), 0)
                              from node n where (q.kind = 2 and n.uid = q.key) or (q.kind = 3 and n.gid = q.key)) end)::text as space,
                (case when q.kind = 1 then (select inodes from fsmeta_subtree_usage(q.key))
                      else (select count(*) from node n where (q.kind = 2 and n.uid = q.key) or (q.kind = 3 and n.gid = q.key)) end)::text as inodes
           from quota q join quota_shard s on s.kind = q.kind and s.key = q.key group by q.kind, q.key`,
      )
    ).rows;
    for (const q of quotas) {
      const name = `quota ${q.kind}:${q.key}`;
      if (q.used_space !== q.space) problems.push(`${name} space ${q.used_space} != recount ${q.space}`);
      if (q.used_inodes !== q.inodes) problems.push(`${name} inodes ${q.used_inodes} != recount ${q.inodes}`);
      if (BigInt(q.max_space) > 0n && q.gs !== null && BigInt(q.gs) > BigInt(q.max_space) && BigInt(q.gs) > BigInt(q.used_space)) {
        problems.push(`${name} space allowances ${q.gs} pass the limit ${q.max_space}`);
      }
      if (BigInt(q.max_inodes) > 0n && q.gi !== null && BigInt(q.gi) > BigInt(q.max_inodes) && BigInt(q.gi) > BigInt(q.used_inodes)) {
        problems.push(`${name} inode allowances ${q.gi} pass the limit ${q.max_inodes}`);
      }
    }
    const statsOn = (await c.query<{ on: boolean }>(`select coalesce((value->>'dirStats')::boolean, false) as on from setting where name = 'format'`)).rows[0]?.on;
    if (statsOn === true) {
      const diffs = (
        await c.query<{ inode: string; kept: string; counted: string }>(
          `with kept as (select inode, sum(length) as length, sum(space) as space, sum(inodes) as inodes, sum(symlinks) as symlinks from dir_stat group by inode),
                counted as (select e.parent as inode, sum(case when n.type = 1 then n.length else 0 end) as length,
                                   sum(case when n.type = 1 then (case when n.length <= 0 then 4096 else ((n.length + 4095) / 4096) * 4096 end) else 4096 end) as space,
                                   count(*) as inodes, count(*) filter (where n.type = 3) as symlinks
                              from edge e join node n on n.inode = e.inode group by e.parent)
           select coalesce(k.inode, c.inode)::text as inode,
                  concat_ws('/', k.length, k.space, k.inodes, k.symlinks) as kept, concat_ws('/', c.length, c.space, c.inodes, c.symlinks) as counted
             from kept k full join counted c on c.inode = k.inode
            where coalesce(k.length, 0) <> coalesce(c.length, 0) or coalesce(k.space, 0) <> coalesce(c.space, 0)
               or coalesce(k.inodes, 0) <> coalesce(c.inodes, 0) or coalesce(k.symlinks, 0) <> coalesce(c.symlinks, 0)`,
        )
      ).rows;
      for (const d of diffs) problems.push(`dir stat of ${d.inode}: kept ${d.kept} != counted ${d.counted}`);
    }
    const vol = (
      await c.query<{ cap: string; ino: string; gs: string | null; gi: string | null; space: string; inodes: string }>(
        `select coalesce(value->>'capacity', '0') as cap, coalesce(value->>'inodes', '0') as ino,
                (select sum(space_grant)::text from usage_shard) as gs, (select sum(inode_grant)::text from usage_shard) as gi,
                (select sum(space)::text from usage_shard) as space, (select sum(inodes)::text from usage_shard) as inodes
           from setting where name = 'format'`,
      )
    ).rows[0]!;
    if (BigInt(vol.cap) > 0n && vol.gs !== null && BigInt(vol.gs) > BigInt(vol.cap) && BigInt(vol.gs) > BigInt(vol.space)) {
      problems.push(`volume space allowances ${vol.gs} pass the capacity ${vol.cap}`);
    }
    if (BigInt(vol.ino) > 0n && vol.gi !== null && BigInt(vol.gi) > BigInt(vol.ino) && BigInt(vol.gi) > BigInt(vol.inodes)) {
      problems.push(`volume inode allowances ${vol.gi} pass the limit ${vol.ino}`);
    }
    return problems;
  } finally {
    await c.end();
  }
}
