// Interface texts: zh-CN first, English as the switch.
const TEXTS = {
  title: ['阳光分班 · 核验', 'Sunshine placement · Verify'],
  switch: ['English', '中文'],
  loading: ['正在核验…', 'Verifying…'],
  nothing: ['请用手机相机扫描分班名单、公告、仪式记录或入学通知书上的二维码，或在下方载入公开记录包进行完整复核。',
    'Scan the QR code on a class list, announcement, ceremony record or admission notice with your phone camera, or load a public record bundle below for a full replay.'],
  ok_statement: ['名单真实有效', 'This class list is authentic'],
  ok_announcement: ['公告真实有效', 'This announcement is authentic'],
  ok_ceremony: ['仪式记录真实有效', 'This ceremony record is authentic'],
  ok_amendment: ['调整记录真实有效', 'This amendment is authentic'],
  ok_result: ['抽签结果真实有效', 'This draw result is authentic'],
  ok_receipt: ['学生在冻结名册中', 'This pupil is in the frozen roster'],
  bad: ['核验未通过', 'Verification failed'],
  bad_hint: ['手中的材料与签名记录不符，或二维码已损坏。请勿据此办理，并联系下方投诉电话。',
    'What you hold does not match the signed record, or the code is damaged. Do not rely on it; call the hotline below.'],
  ok_statement_hint: ['此名单经教育局签名，属于下方所示的抽签结果。请与手中名单逐一对照姓名。',
    'Signed by the education bureau as part of the draw result shown below. Compare the names with the list you hold.'],
  ok_receipt_hint: ['此回执证明该学生在抽签前已被冻结的名册中。请将名册根与公告对照。',
    'This receipt proves the pupil was in the roster frozen before the draw. Compare the roster root with the announcement.'],
  school: ['学校', 'School'], intake: ['年级', 'Intake'], class: ['班级', 'Class'],
  class_unsigned: ['班级（通知书所写，不在签名范围内：请以校门张贴、可扫码查验的分班名单为准）', 'Class (as written on the notice; not covered by the signature: check it against the class list at the school gate, which verifies)'], head_teacher: ['班主任', 'Head teacher'],
  draw: ['抽签编号', 'Draw'], signed_on: ['签名日期', 'Signed on'], key: ['签名密钥', 'Signing key'],
  fingerprint: ['密钥指纹', 'Key fingerprint'], key_holder: ['持有者', 'Held by'], result: ['结果摘要', 'Result digest'],
  pupils: ['学生名单', 'Pupils'], count: ['男 {m} 人 / 女 {f} 人 / 合计 {n} 人', '{m} boys / {f} girls / {n} in all'],
  male: ['男', 'M'], female: ['女', 'F'], no: ['序号', 'No.'], name: ['姓名', 'Name'], sex: ['性别', 'Sex'],
  scheduled: ['计划时间', 'Scheduled'], roster: ['名册', 'Roster'], roster_root: ['名册根', 'Roster root'],
  roster_size: ['人数', 'Pupils'], teams: ['教师团队数', 'Teams'], seed_commitment: ['种子承诺', 'Seed commitment'],
  digest: ['摘要', 'Digest'], revealed_at: ['揭示时间', 'Revealed at'], server_seed: ['服务器种子', 'Server seed'],
  final_seed: ['最终种子', 'Final seed'], witnesses: ['见证人', 'Witnesses'], beacon: ['公共信标', 'Beacon'],
  place: ['名册序号', 'Place in roster'], added: ['补录', 'Added'], of: ['{i} / {n}', '{i} of {n}'], none: ['无', 'none'],
  checks: ['已核验的项目', 'What was checked'],
  complaint: ['投诉与申诉', 'Complaints and appeals'],
  complaint_generic_zh: ['如对分班结果有疑问，请在公示期内联系学校或区教育局，并保留此页面截图。', ''],
  complaint_generic_en: ['', 'If you have doubts about the placement, contact the school or the district education bureau within the notice period and keep a screenshot of this page.'],
  hotline: ['投诉电话', 'Hotline'],
  privacy: ['本页面只在您的手机上核验，二维码内容不会发送到任何服务器。', 'This page verifies on your phone only; the code is never sent to any server.'],
  replay_title: ['完整复核（公开记录包）', 'Full replay (public record bundle)'],
  replay_intro: ['载入公开记录包（zip），在本机重新计算整个抽签过程并与签名结果比对。', 'Load a public record bundle (zip) to recompute the whole draw here and compare it with the signed result.'],
  replay_file: ['选择文件', 'Choose file'], replay_url: ['或输入记录包网址', 'or a bundle URL'], replay_go: ['复核', 'Replay'],
  replay_ok: ['完整复核通过：抽签结果可由公开记录重现', 'Full replay passed: the result is reproduced from the public record'],
  replay_bad: ['完整复核未通过', 'Full replay failed'],
  replay_running: ['正在复核…', 'Replaying…'],
  offline_ready: ['已可离线使用', 'Ready to work offline'],
  // checks
  c_link: ['二维码内容格式正确', 'The code is well formed'],
  c_signature: ['签名有效（Ed25519），密钥在公钥环中', 'Signature valid (Ed25519) by a key in the keyring'],
  c_key_role: ['密钥有权签署此类文件', 'The key may sign this kind of document'],
  c_key_valid: ['签名日期在密钥有效期内', 'The key was valid on the signing day'],
  c_payload: ['内容为规范 JSON，与签名字节一致', 'The content is the signed canonical JSON'],
  c_type: ['文件类型与签名头一致', 'The document type matches the signed header'],
  c_shape: ['文件字段完整', 'The document has the fields of its type'],
  c_final_seed: ['最终种子由公告、服务器种子与见证人输入算出', 'The final seed is computed from announcement, server seed and witness inputs'],
  c_receipt_private: ['个人信息与名册叶子一致', 'The personal data hashes to the roster leaf'],
  c_receipt_idcard: ['身份证号校验位与出生日期正确', 'ID number check character and birth date are right'],
  c_receipt_inclusion: ['叶子在名册默克尔树中', 'The leaf is in the roster Merkle tree'],
  c_receipt_announcement: ['名册根与本机已核验的公告一致', 'The roster root matches an announcement verified on this device'],
  // failure reasons
  e_digits: ['二维码数字无效', 'The code digits are invalid'],
  e_fragment: ['网址中没有可核验的内容', 'The link carries nothing to verify'],
  e_jws: ['签名文件格式错误', 'The signed document is malformed'],
  e_base64url: ['编码错误', 'Bad encoding'],
  e_header: ['签名头无效', 'The signature header is invalid'],
  e_alg: ['签名算法不被接受', 'The signature algorithm is not accepted'],
  e_unknown_key: ['签名密钥不在公钥环中（未知密钥）', 'The signing key is not in the keyring (unknown key)'],
  e_key_name: ['密钥名称与公钥环不符', 'The key name does not match the keyring'],
  e_signature: ['签名无效：内容已被改动', 'Invalid signature: the content was altered'],
  e_role: ['该密钥无权签署此类文件', 'This key may not sign this kind of document'],
  e_key_validity: ['签名日期不在密钥有效期内', 'The key was not valid on the signing day'],
  e_inflate: ['压缩内容损坏', 'The compressed content is damaged'],
  e_too_large: ['内容过大', 'The content is too large'],
  e_utf8: ['文本编码错误', 'Bad text encoding'], e_json: ['内容不是 JSON', 'The content is not JSON'],
  e_canonical: ['内容不是规范形式', 'The content is not in canonical form'],
  e_typ: ['文件类型与签名头不符', 'The document type differs from the signed header'],
  e_type: ['不是可核验的文件类型', 'Not a document type this page verifies'],
  e_document: ['文件字段不正确', 'The document fields are wrong'],
  e_final_seed: ['最终种子计算不符', 'The final seed does not match'],
  e_private: ['个人信息与名册叶子不符', 'The personal data does not match the roster leaf'],
  e_idcard: ['身份证号无效', 'The ID number is invalid'],
  e_inclusion: ['学生不在该名册中', 'The pupil is not in this roster'],
  e_leaf: ['名册叶子格式错误', 'The roster leaf is malformed'],
  e_receipt_announcement: ['名册根与已核验的公告不符', 'The roster root differs from the verified announcement'],
  e_keyring: ['无法载入公钥环', 'The keyring could not be loaded'],
  e_ed25519: ['此浏览器不支持 Ed25519 签名核验，请更新浏览器', 'This browser cannot verify Ed25519 signatures; please update it'],
  e_internal: ['核验时出错', 'An error occurred while verifying'],
  e_reference: ['二维码所指的文件不在已核验的记录中', 'The document the code names is not in the verified record'],
  e_record: ['无法取得或核验该抽签的公开记录', 'The public record of this draw could not be fetched or did not verify'],
  e_receipt_class: ['签名的分班结果没有把该学生分到所写班级', 'The signed result does not place the pupil in the class stated'],
  c_reference: ['二维码所指文件在完整复核通过的公开记录中（摘要一致）', 'The document the code names is in the public record, which replayed in full (digest matches)'],
  c_receipt_class: ['班级由教育局签名的分班结果确认', 'The class is confirmed by the bureau-signed result'],
  c_receipt_request: ['个人信息打开教育局签名的补录或转入申请中的叶子', 'The personal data opens the leaf of the bureau-signed late placement or transfer request'],
  c_receipt_decision: ['教育局签名的决定批准并安排了所写班级', 'The bureau-signed decision approved it and placed the pupil in the class stated'],
  e_receipt_request: ['补录或转入申请与回执不符', 'The late placement or transfer request does not match the receipt'],
  e_receipt_decision: ['审批决定没有批准把该学生安排到所写班级', 'The decision does not approve placing the pupil in the class stated'],
  added_by: ['第 {n} 号例外（派位后补录或转入）', 'Exception #{n} (added after the draw)'],
  placed_class: ['安排班级（此后如有更正，以学位锁定查询为准）', 'Class placed in (the lookup gives the current class after any later change)'],
  c_receipt_announcement: ['名册根由教育局签名的公告确认', 'The roster root is confirmed by the bureau-signed announcement'],
  trust_title: ['本页信任的公钥', 'Keys this page trusted'],
  trust_same_site: ['公钥清单取自本网站（{origin}），与页面和记录来自同一网站：请将下面的指纹与名单上印的密钥指纹或教育局公布的指纹核对，一致才说明签名者是教育局。',
    'The keyring was fetched from this site ({origin}), the same site as this page and the record: compare the fingerprints below with the key fingerprint printed on the sheet or published by the bureau; only if they agree is the signer the bureau.'],
  trust_chosen: ['公钥清单为您选择的文件。', 'The keyring is the file you chose.'],
  trust_ring: ['公钥清单指纹', 'Keyring fingerprint'],
  trust_file: ['改用其他公钥清单文件', 'Use another keyring file'],
  ok_reference_hint: ['已取得该抽签的公开记录，在本机完整复核通过；二维码所指的文件就在其中。请与手中材料逐一对照。',
    'The public record of this draw was fetched and replayed in full here; the document the code names is in it. Compare it with what you hold.'],
};

let lang = 'zh';

export function setLanguage(l) {
  lang = l === 'en' ? 'en' : 'zh';
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

export function language() {
  return lang;
}

export function t(key, params) {
  const entry = TEXTS[key];
  let s = entry ? entry[lang === 'zh' ? 0 : 1] : key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function has(key) {
  return key in TEXTS;
}
