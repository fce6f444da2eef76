import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { dedupeKeyOf, type InboundMessage } from '../../src/wechat/inbound.js';
import type { OutboundReply } from '../../src/wechat/reply.js';
import { parseInboundXml } from '../../src/wechat/inbound-xml.js';
import { buildEncryptedReplyXml, buildReplyXml } from '../../src/wechat/reply-xml.js';
import { parseEncryptedEnvelope, type XmlElementMap } from '../../src/wechat/xml-parse.js';
import { buildEventXml, buildMessageXml, buildTextXml, TEST_ACCOUNT_ID, TEST_OPENID, toXml } from '../builders/inbound.js';

const FAN = 'oMIE-5Hk8mP0lJ2Qh8lnsdR1xT0A';
const ACCOUNT = 'gh_7f083739789a';

/** A message as WeChat formats it (shared/WECHAT.md §2.1): CDATA strings, bare numbers, newlines. */
function message(msgType: string, body: string, msgId = '23938173794149768'): string {
  return `<xml>
  <ToUserName><![CDATA[${ACCOUNT}]]></ToUserName>
  <FromUserName><![CDATA[${FAN}]]></FromUserName>
  <CreateTime>1714036504</CreateTime>
  <MsgType><![CDATA[${msgType}]]></MsgType>
  ${body}
  <MsgId>${msgId}</MsgId>
</xml>`;
}

function event(name: string, body = '', from = FAN): string {
  return `<xml>
  <ToUserName><![CDATA[${ACCOUNT}]]></ToUserName>
  <FromUserName><![CDATA[${from}]]></FromUserName>
  <CreateTime>1714036504</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[${name}]]></Event>
  ${body}
</xml>`;
}

function validationError(run: () => unknown): ValidationError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  return caught as ValidationError;
}

interface Case {
  name: string;
  xml: string;
  expected: Partial<InboundMessage> & Record<string, unknown>;
}

const messageCases: Case[] = [
  {
    name: 'text',
    xml: message('text', '<Content><![CDATA[你好 fanhook]]></Content>'),
    expected: { kind: 'text', content: '你好 fanhook', msgId: '23938173794149768' },
  },
  {
    name: 'text from a msgmenu tap',
    xml: message('text', '<Content><![CDATA[满意]]></Content><bizmsgmenuid>101</bizmsgmenuid>'),
    expected: { kind: 'text', content: '满意', bizMsgMenuId: '101' },
  },
  {
    name: 'image',
    xml: message('image', '<PicUrl><![CDATA[http://mmbiz.qpic.cn/abc/0]]></PicUrl><MediaId><![CDATA[media_img_1]]></MediaId>'),
    expected: { kind: 'image', picUrl: 'http://mmbiz.qpic.cn/abc/0', mediaId: 'media_img_1' },
  },
  {
    name: 'voice with recognition',
    xml: message(
      'voice',
      '<MediaId><![CDATA[media_voice]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition>',
    ),
    expected: { kind: 'voice', mediaId: 'media_voice', format: 'amr', recognition: '腾讯微信团队' },
  },
  {
    name: 'video',
    xml: message('video', '<MediaId><![CDATA[media_video]]></MediaId><ThumbMediaId><![CDATA[thumb_1]]></ThumbMediaId>'),
    expected: { kind: 'video', mediaId: 'media_video', thumbMediaId: 'thumb_1' },
  },
  {
    name: 'shortvideo',
    xml: message('shortvideo', '<MediaId><![CDATA[media_sv]]></MediaId><ThumbMediaId><![CDATA[thumb_sv]]></ThumbMediaId>'),
    expected: { kind: 'shortvideo', msgType: 'shortvideo', mediaId: 'media_sv', thumbMediaId: 'thumb_sv' },
  },
  {
    name: 'location',
    xml: message(
      'location',
      '<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label>',
    ),
    expected: { kind: 'location', latitude: 23.134521, longitude: 113.358803, scale: 20, label: '位置信息' },
  },
  {
    name: 'link',
    xml: message(
      'link',
      '<Title><![CDATA[公众平台官网链接]]></Title><Description><![CDATA[公众平台官网链接]]></Description><Url><![CDATA[https://mp.weixin.qq.com]]></Url>',
    ),
    expected: { kind: 'link', title: '公众平台官网链接', description: '公众平台官网链接', url: 'https://mp.weixin.qq.com' },
  },
  {
    name: 'miniprogrampage',
    xml: message(
      'miniprogrampage',
      '<Title><![CDATA[小程序]]></Title><AppId><![CDATA[wx1234567890abcdef]]></AppId><PagePath><![CDATA[pages/index?id=1]]></PagePath><ThumbUrl><![CDATA[http://x/y.jpg]]></ThumbUrl><ThumbMediaId><![CDATA[t]]></ThumbMediaId>',
    ),
    expected: { kind: 'miniprogrampage', title: '小程序', appId: 'wx1234567890abcdef', pagePath: 'pages/index?id=1' },
  },
];

const eventCases: Case[] = [
  { name: 'subscribe (plain follow)', xml: event('subscribe'), expected: { kind: 'subscribe', event: 'subscribe' } },
  {
    name: 'subscribe via parametric QR',
    xml: event('subscribe', '<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET_abc]]></Ticket>'),
    expected: { kind: 'subscribe', eventKey: 'qrscene_123123', ticket: 'TICKET_abc', scene: '123123' },
  },
  { name: 'unsubscribe', xml: event('unsubscribe'), expected: { kind: 'unsubscribe' } },
  {
    name: 'SCAN',
    xml: event('SCAN', '<EventKey><![CDATA[123123]]></EventKey><Ticket><![CDATA[TICKET_abc]]></Ticket>'),
    expected: { kind: 'scan', event: 'SCAN', scene: '123123', ticket: 'TICKET_abc' },
  },
  {
    name: 'LOCATION',
    xml: event('LOCATION', '<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>'),
    expected: { kind: 'location_report', latitude: 23.137466, longitude: 113.352425, precision: 119.38504 },
  },
  {
    name: 'CLICK',
    xml: event('CLICK', '<EventKey><![CDATA[V1001_TODAY_MUSIC]]></EventKey>'),
    expected: { kind: 'menu_click', eventKey: 'V1001_TODAY_MUSIC' },
  },
  {
    name: 'VIEW',
    xml: event('VIEW', '<EventKey><![CDATA[https://www.qq.com/]]></EventKey><MenuId>3</MenuId>'),
    expected: { kind: 'menu_view', url: 'https://www.qq.com/', menuId: '3' },
  },
  {
    name: 'view_miniprogram',
    xml: event('view_miniprogram', '<EventKey><![CDATA[pages/index/index]]></EventKey><MenuId>4</MenuId>'),
    expected: { kind: 'menu_miniprogram', pagePath: 'pages/index/index', menuId: '4' },
  },
  {
    name: 'scancode_push',
    xml: event(
      'scancode_push',
      '<EventKey><![CDATA[rselfmenu_0_1]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>',
    ),
    expected: { kind: 'scancode', eventKey: 'rselfmenu_0_1', scanType: 'qrcode', scanResult: '1', waitMsg: false },
  },
  {
    name: 'scancode_waitmsg',
    xml: event(
      'scancode_waitmsg',
      '<EventKey><![CDATA[rselfmenu_0_0]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[2]]></ScanResult></ScanCodeInfo>',
    ),
    expected: { kind: 'scancode', scanResult: '2', waitMsg: true },
  },
  {
    name: 'pic_sysphoto (single item normalised to an array)',
    xml: event(
      'pic_sysphoto',
      '<EventKey><![CDATA[6]]></EventKey><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList></SendPicsInfo>',
    ),
    expected: { kind: 'menu_picture', eventKey: '6', count: 1, picMd5Sums: ['1b5f7c23b5bf75682a53e7b6d163e185'] },
  },
  {
    name: 'pic_photo_or_album (two items)',
    xml: event(
      'pic_photo_or_album',
      '<EventKey><![CDATA[6]]></EventKey><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[aa]]></PicMd5Sum></item><item><PicMd5Sum><![CDATA[bb]]></PicMd5Sum></item></PicList></SendPicsInfo>',
    ),
    expected: { kind: 'menu_picture', count: 2, picMd5Sums: ['aa', 'bb'] },
  },
  {
    name: 'pic_weixin',
    xml: event(
      'pic_weixin',
      '<EventKey><![CDATA[rselfmenu_1_2]]></EventKey><SendPicsInfo><Count>1</Count><PicList><item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item></PicList></SendPicsInfo>',
    ),
    expected: { kind: 'menu_picture', eventKey: 'rselfmenu_1_2', count: 1 },
  },
  {
    name: 'location_select',
    xml: event(
      'location_select',
      '<EventKey><![CDATA[rselfmenu_2_0]]></EventKey><SendLocationInfo><Location_X><![CDATA[23]]></Location_X><Location_Y><![CDATA[113]]></Location_Y><Scale><![CDATA[15]]></Scale><Label><![CDATA[ 广州市海珠区客村艺苑路 106号]]></Label><Poiname><![CDATA[]]></Poiname></SendLocationInfo>',
    ),
    expected: {
      kind: 'menu_location_select',
      eventKey: 'rselfmenu_2_0',
      latitude: 23,
      longitude: 113,
      scale: 15,
      label: ' 广州市海珠区客村艺苑路 106号',
    },
  },
  {
    name: 'MASSSENDJOBFINISH',
    xml: event(
      'MASSSENDJOBFINISH',
      '<MsgID>1000001625</MsgID><Status><![CDATA[err(30003)]]></Status><TotalCount>100</TotalCount><FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount><CopyrightCheckResult><Count>2</Count><ResultList><item><ArticleIdx>1</ArticleIdx></item></ResultList><CheckState>2</CheckState></CopyrightCheckResult>',
      'oVmAC5QhP3c_mphelper',
    ),
    expected: {
      kind: 'mass_send_finish',
      massMsgId: '1000001625',
      status: 'err(30003)',
      totalCount: 100,
      filterCount: 80,
      sentCount: 75,
      errorCount: 5,
    },
  },
  {
    name: 'TEMPLATESENDJOBFINISH',
    xml: event('TEMPLATESENDJOBFINISH', '<MsgID>3717005636572528642</MsgID><Status><![CDATA[failed: system failed]]></Status>'),
    expected: { kind: 'template_send_finish', templateMsgId: '3717005636572528642', status: 'failed: system failed' },
  },
  {
    name: 'kf_create_session',
    xml: event('kf_create_session', '<KfAccount><![CDATA[test1@test]]></KfAccount>'),
    expected: { kind: 'kf_create_session', kfAccount: 'test1@test' },
  },
  {
    name: 'kf_close_session',
    xml: event('kf_close_session', '<KfAccount><![CDATA[test1@test]]></KfAccount>'),
    expected: { kind: 'kf_close_session', kfAccount: 'test1@test' },
  },
  {
    name: 'kf_switch_session',
    xml: event(
      'kf_switch_session',
      '<FromKfAccount><![CDATA[test1@test]]></FromKfAccount><ToKfAccount><![CDATA[test2@test]]></ToKfAccount>',
    ),
    expected: { kind: 'kf_switch_session', fromKfAccount: 'test1@test', toKfAccount: 'test2@test' },
  },
  {
    name: 'subscribe_msg_popup_event (single List normalised)',
    xml: event(
      'subscribe_msg_popup_event',
      '<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent>',
    ),
    expected: {
      kind: 'subscribe_msg_popup',
      items: [{ templateId: 'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc', status: 'accept', popupScene: '2' }],
    },
  },
  {
    name: 'subscribe_msg_popup_event (two Lists)',
    xml: event(
      'subscribe_msg_popup_event',
      '<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[T1]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List><List><TemplateId><![CDATA[T2]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent>',
    ),
    expected: {
      kind: 'subscribe_msg_popup',
      items: [
        { templateId: 'T1', status: 'accept', popupScene: '2' },
        { templateId: 'T2', status: 'reject', popupScene: '2' },
      ],
    },
  },
  {
    name: 'subscribe_msg_change_event',
    xml: event(
      'subscribe_msg_change_event',
      '<SubscribeMsgChangeEvent><List><TemplateId><![CDATA[T3]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString></List></SubscribeMsgChangeEvent>',
    ),
    expected: { kind: 'subscribe_msg_change', items: [{ templateId: 'T3', status: 'reject' }] },
  },
  {
    name: 'subscribe_msg_sent_event',
    xml: event(
      'subscribe_msg_sent_event',
      '<SubscribeMsgSentEvent><List><TemplateId><![CDATA[T4]]></TemplateId><MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List></SubscribeMsgSentEvent>',
    ),
    expected: {
      kind: 'subscribe_msg_sent',
      items: [{ templateId: 'T4', msgId: '1700827132819554304', errorCode: '0', errorStatus: 'success' }],
    },
  },
  {
    name: 'PUBLISHJOBFINISH',
    xml: event(
      'PUBLISHJOBFINISH',
      '<PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status><article_id><![CDATA[b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvy]]></article_id><article_detail><count>1</count><item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/x]]></article_url></item></article_detail></PublishEventInfo>',
    ),
    expected: { kind: 'publish_finish', publishId: '2247503051', publishStatus: '0' },
  },
  {
    name: 'FREEPUBLISHJOBFINISH',
    xml: event(
      'FREEPUBLISHJOBFINISH',
      '<PublishEventInfo><publish_id>2247503052</publish_id><publish_status>1</publish_status></PublishEventInfo>',
    ),
    expected: { kind: 'publish_finish', event: 'FREEPUBLISHJOBFINISH', publishId: '2247503052', publishStatus: '1' },
  },
];

describe('parseInboundXml — ordinary messages (WECHAT.md §2.2)', () => {
  it.each(messageCases)('should parse $name', ({ xml, expected }) => {
    const parsed = parseInboundXml(xml);
    expect(parsed).toMatchObject({ toUserName: ACCOUNT, fromUserName: FAN, createTime: 1714036504, ...expected });
  });
});

describe('parseInboundXml — events (WECHAT.md §2.3)', () => {
  it.each(eventCases)('should parse $name', ({ xml, expected }) => {
    const parsed = parseInboundXml(xml);
    expect(parsed).toMatchObject({ toUserName: ACCOUNT, msgType: 'event', createTime: 1714036504, ...expected });
    expect(parsed.msgId).toBeUndefined();
  });

  it('should cover every kind of the union except unknown', () => {
    const kinds = new Set([...messageCases, ...eventCases].map((c) => parseInboundXml(c.xml).kind));
    expect([...kinds].sort()).toEqual(
      [
        'text',
        'image',
        'voice',
        'video',
        'shortvideo',
        'location',
        'link',
        'miniprogrampage',
        'subscribe',
        'unsubscribe',
        'scan',
        'location_report',
        'menu_click',
        'menu_view',
        'menu_miniprogram',
        'scancode',
        'menu_picture',
        'menu_location_select',
        'mass_send_finish',
        'template_send_finish',
        'kf_create_session',
        'kf_close_session',
        'kf_switch_session',
        'subscribe_msg_popup',
        'subscribe_msg_change',
        'subscribe_msg_sent',
        'publish_finish',
      ].sort(),
    );
  });

  it('should match event names case-insensitively but keep the raw event', () => {
    const parsed = parseInboundXml(event('Scan', '<EventKey><![CDATA[42]]></EventKey>'));
    expect(parsed).toMatchObject({ kind: 'scan', event: 'Scan', scene: '42' });
    expect(parseInboundXml(event('click', '<EventKey><![CDATA[k]]></EventKey>')).kind).toBe('menu_click');
  });

  it('should keep a subscribe EventKey without the qrscene_ prefix but set no scene', () => {
    const parsed = parseInboundXml(event('subscribe', '<EventKey><![CDATA[last_trade_no]]></EventKey>'));
    expect(parsed).toMatchObject({ kind: 'subscribe', eventKey: 'last_trade_no' });
    expect(parsed).not.toHaveProperty('scene');
  });

  it('should treat an empty subscribe EventKey as a plain follow', () => {
    const parsed = parseInboundXml(event('subscribe', '<EventKey><![CDATA[]]></EventKey>'));
    expect(parsed).not.toHaveProperty('eventKey');
    expect(parsed).not.toHaveProperty('scene');
  });

  it('should omit an empty voice Recognition (WECHAT.md §2.2)', () => {
    const parsed = parseInboundXml(
      message('voice', '<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[speex]]></Format><Recognition><![CDATA[]]></Recognition>'),
    );
    expect(parsed).not.toHaveProperty('recognition');
  });

  it('should give job-result events their own dedupe keys', () => {
    expect(dedupeKeyOf(parseInboundXml(eventCases.find((c) => c.name === 'MASSSENDJOBFINISH')?.xml ?? ''))).toBe('mass:1000001625');
    expect(dedupeKeyOf(parseInboundXml(event('CLICK', '<EventKey><![CDATA[K]]></EventKey>')))).toBe(`evt:${FAN}|1714036504|CLICK|K`);
  });
});

describe('parseInboundXml — ids and strings stay exact', () => {
  it('should keep MsgId 23938173794149768 exact', () => {
    const parsed = parseInboundXml(message('text', '<Content><![CDATA[hi]]></Content>'));
    expect(parsed.msgId).toBe('23938173794149768');
    expect(dedupeKeyOf(parsed)).toBe('msg:23938173794149768');
  });

  it('should keep an all-digit Content as a string, even without CDATA', () => {
    expect(parseInboundXml(message('text', '<Content><![CDATA[12345678901234567890]]></Content>'))).toMatchObject({
      content: '12345678901234567890',
    });
    expect(parseInboundXml(message('text', '<Content>12345678901234567890</Content>'))).toMatchObject({ content: '12345678901234567890' });
    expect(parseInboundXml(message('text', '<Content><![CDATA[007]]></Content>'))).toMatchObject({ content: '007' });
  });

  it('should keep numeric EventKey, Ticket and template MsgID as strings', () => {
    const parsed = parseInboundXml(event('SCAN', '<EventKey>0012</EventKey><Ticket>1e5</Ticket>'));
    expect(parsed).toMatchObject({ scene: '0012', ticket: '1e5' });
    const raw = parseInboundXml(eventCases.find((c) => c.name === 'TEMPLATESENDJOBFINISH')?.xml ?? '').raw;
    expect(raw['MsgID']).toBe('3717005636572528642');
  });

  it('should keep whitespace inside CDATA and decode predefined entities in bare text only', () => {
    expect(parseInboundXml(message('text', '<Content><![CDATA[  two  spaces \n]]></Content>'))).toMatchObject({
      content: '  two  spaces \n',
    });
    expect(parseInboundXml(message('text', '<Content>Tom &amp; Jerry &lt;3 &#20013;</Content>'))).toMatchObject({
      content: 'Tom & Jerry <3 中',
    });
    expect(parseInboundXml(message('text', '<Content><![CDATA[&amp; stays]]></Content>'))).toMatchObject({ content: '&amp; stays' });
  });

  it('should accept text that merely mentions <!DOCTYPE inside CDATA', () => {
    expect(parseInboundXml(message('text', '<Content><![CDATA[<!DOCTYPE html> is how HTML starts]]></Content>'))).toMatchObject({
      content: '<!DOCTYPE html> is how HTML starts',
    });
  });

  it('should expose every element as strings in raw, with single lists normalised', () => {
    const parsed = parseInboundXml(eventCases.find((c) => c.name.startsWith('pic_sysphoto'))?.xml ?? '');
    expect(parsed.raw).toEqual({
      ToUserName: ACCOUNT,
      FromUserName: FAN,
      CreateTime: '1714036504',
      MsgType: 'event',
      Event: 'pic_sysphoto',
      EventKey: '6',
      SendPicsInfo: { Count: '1', PicList: { item: [{ PicMd5Sum: '1b5f7c23b5bf75682a53e7b6d163e185' }] } },
    });
  });

  it('should read MsgDataId and Idx of a message from an article', () => {
    const parsed = parseInboundXml(message('text', '<Content><![CDATA[x]]></Content><MsgDataId>2247483650</MsgDataId><Idx>1</Idx>'));
    expect(parsed).toMatchObject({ msgDataId: '2247483650', idx: '1' });
  });
});

describe('parseInboundXml — rejection', () => {
  it('should reject DOCTYPE and the billion-laughs ENTITY bomb', () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content></xml>`;
    expect(validationError(() => parseInboundXml(bomb)).message).toBe('XML with DOCTYPE/ENTITY is not accepted');
    const xxe = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>';
    expect(validationError(() => parseInboundXml(xxe)).message).toBe('XML with DOCTYPE/ENTITY is not accepted');
    expect(validationError(() => parseEncryptedEnvelope(xxe)).message).toBe('XML with DOCTYPE/ENTITY is not accepted');
    expect(validationError(() => parseInboundXml('<xml><!ENTITY x "y"></xml>')).message).toBe('XML with DOCTYPE/ENTITY is not accepted');
  });

  it('should reject a DOCTYPE hidden between comments that mention CDATA', () => {
    const hidden = `<!-- <![CDATA[ --><!DOCTYPE x [<!ENTITY a "b">]><!-- ]]> -->${message('text', '<Content>&a;</Content>')}`;
    expect(validationError(() => parseInboundXml(hidden)).message).toBe('XML with DOCTYPE/ENTITY is not accepted');
    const inside = message('text', '<!-- <![CDATA[ --><!DOCTYPE x><!-- ]]> --><Content>x</Content>');
    expect(validationError(() => parseInboundXml(inside)).message).toBe('XML with DOCTYPE/ENTITY is not accepted');
  });

  it.each([
    ['mismatched tags', '<xml><ToUserName>a</FromUserName></xml>'],
    ['unclosed root', '<xml><ToUserName>a</ToUserName>'],
    ['not XML', '{"ToUserName":"a"}'],
    ['empty body', ''],
    ['trailing garbage', '<xml><a>1</a></xml>garbage'],
    ['unterminated CDATA', '<xml><Content><![CDATA[abc</Content></xml>'],
    ['a bare ampersand', '<xml><Content>a & b</Content></xml>'],
  ])('should reject malformed XML (%s)', (_name, xml) => {
    expect(validationError(() => parseInboundXml(xml)).message).toMatch(/^malformed XML/);
  });

  it('should require the <xml> root', () => {
    expect(validationError(() => parseInboundXml('<root><a>1</a></root>')).message).toBe('root element must be <xml>');
  });

  it('should name a missing FromUserName', () => {
    const xml = toXml({ ToUserName: ACCOUNT, CreateTime: 1714036504, MsgType: 'text', Content: 'x' });
    expect(validationError(() => parseInboundXml(xml)).message).toBe('FromUserName: required');
  });

  it('should list every missing envelope field', () => {
    expect(validationError(() => parseInboundXml('<xml></xml>')).message).toBe(
      'ToUserName: required; FromUserName: required; CreateTime: required; MsgType: required',
    );
  });

  it('should reject a non-integer CreateTime and a non-numeric coordinate', () => {
    const badTime = toXml({ ToUserName: ACCOUNT, FromUserName: FAN, CreateTime: 'yesterday', MsgType: 'text' });
    expect(validationError(() => parseInboundXml(badTime)).message).toBe('CreateTime: must be an integer (Unix seconds)');
    const badLocation = message('location', '<Location_X>north</Location_X><Location_Y>1</Location_Y><Scale>1</Scale>');
    expect(validationError(() => parseInboundXml(badLocation)).message).toBe('Location_X: must be a number');
  });

  it('should reject a repeated envelope element', () => {
    const xml =
      '<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><FromUserName>c</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>';
    expect(validationError(() => parseInboundXml(xml)).message).toBe('FromUserName: expected a single text value');
  });
});

describe('parseInboundXml — unknown input is never an error', () => {
  it.each([
    ['an unknown MsgType', message('hologram', '<Beam><![CDATA[x]]></Beam>')],
    ['an unknown event', event('user_info_modified', '<OpenID><![CDATA[o]]></OpenID>')],
    ['an event without Event', toXml({ ToUserName: ACCOUNT, FromUserName: FAN, CreateTime: 1, MsgType: 'event' })],
    ['a MsgType named like an Object method', message('constructor', '')],
  ])('should map %s to kind unknown', (_name, xml) => {
    const parsed = parseInboundXml(xml);
    expect(parsed.kind).toBe('unknown');
    expect(parsed.raw['ToUserName']).toBe(ACCOUNT);
  });
});

describe('parseEncryptedEnvelope', () => {
  it('should read the safe-mode envelope', () => {
    expect(parseEncryptedEnvelope('<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>')).toEqual({
      toUserName: 'gh_1',
      encrypt: 'abc+/=',
    });
  });

  it('should accept an envelope without ToUserName', () => {
    expect(parseEncryptedEnvelope('<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>')).toEqual({ encrypt: 'abc' });
  });

  it('should reject a missing or empty Encrypt and malformed XML', () => {
    expect(validationError(() => parseEncryptedEnvelope('<xml><ToUserName>gh</ToUserName></xml>')).message).toBe('Encrypt: required');
    expect(validationError(() => parseEncryptedEnvelope('<xml><Encrypt><![CDATA[]]></Encrypt></xml>')).message).toBe('Encrypt: required');
    expect(validationError(() => parseEncryptedEnvelope('<xml><Encrypt>abc</xml>')).message).toMatch(/^malformed XML/);
  });
});

describe('buildReplyXml (WECHAT.md §3.2)', () => {
  const envelope = { toUserName: FAN, fromUserName: ACCOUNT, createTime: 1714036600 };

  it('should build a text reply exactly', () => {
    expect(buildReplyXml({ type: 'text', content: '你好\n世界' }, envelope)).toBe(
      `<xml><ToUserName><![CDATA[${FAN}]]></ToUserName><FromUserName><![CDATA[${ACCOUNT}]]></FromUserName><CreateTime>1714036600</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好\n世界]]></Content></xml>`,
    );
  });

  const replies: [OutboundReply, XmlElementMap][] = [
    [{ type: 'text', content: '12345678901234567890' }, { Content: '12345678901234567890' }],
    [{ type: 'image', mediaId: 'm_img' }, { Image: { MediaId: 'm_img' } }],
    [{ type: 'voice', mediaId: 'm_voice' }, { Voice: { MediaId: 'm_voice' } }],
    [{ type: 'video', mediaId: 'm_vid', title: 'T', description: 'D' }, { Video: { MediaId: 'm_vid', Title: 'T', Description: 'D' } }],
    [{ type: 'video', mediaId: 'm_vid' }, { Video: { MediaId: 'm_vid' } }],
    [
      {
        type: 'music',
        thumbMediaId: 'thumb',
        title: 'Song',
        description: 'Desc',
        musicUrl: 'http://m/1.mp3',
        hqMusicUrl: 'http://m/1hq.mp3',
      },
      { Music: { Title: 'Song', Description: 'Desc', MusicUrl: 'http://m/1.mp3', HQMusicUrl: 'http://m/1hq.mp3', ThumbMediaId: 'thumb' } },
    ],
    [
      { type: 'news', articles: [{ title: 'A', description: 'a', picUrl: 'http://p/a.jpg', url: 'http://u/a' }, { title: 'B' }] },
      {
        ArticleCount: '2',
        Articles: {
          item: [
            { Title: 'A', Description: 'a', PicUrl: 'http://p/a.jpg', Url: 'http://u/a' },
            { Title: 'B', Description: '', PicUrl: '', Url: '' },
          ],
        },
      },
    ],
    [
      { type: 'news', articles: [{ title: 'only' }] },
      { ArticleCount: '1', Articles: { item: [{ Title: 'only', Description: '', PicUrl: '', Url: '' }] } },
    ],
    [{ type: 'transfer_customer_service' }, {}],
    [{ type: 'transfer_customer_service', kfAccount: 'test1@test' }, { TransInfo: { KfAccount: 'test1@test' } }],
  ];

  it.each(replies)('should build %j and parse it back', (reply, body) => {
    const xml = buildReplyXml(reply, envelope);
    const parsed = parseInboundXml(xml);
    expect(parsed.raw).toEqual({ ToUserName: FAN, FromUserName: ACCOUNT, CreateTime: '1714036600', MsgType: reply.type, ...body });
    expect(xml).toContain('<CreateTime>1714036600</CreateTime>');
  });

  it('should keep text containing ]]> valid', () => {
    const content = 'a]]>b ]]]]> <![CDATA[c]]> &amp; <tag>';
    const xml = buildReplyXml({ type: 'text', content }, envelope);
    expect(xml).toContain('<![CDATA[a]]]]><![CDATA[>b');
    expect(parseInboundXml(xml)).toMatchObject({ kind: 'text', content });
  });

  it('should drop characters XML 1.0 forbids', () => {
    const xml = buildReplyXml({ type: 'text', content: 'a\u0000b\u0007c\ud800d\tok' }, envelope);
    expect(parseInboundXml(xml)).toMatchObject({ content: 'abcd\tok' });
  });

  it('should reject news without articles or with more than 8', () => {
    expect(validationError(() => buildReplyXml({ type: 'news', articles: [] }, envelope)).message).toBe(
      'news reply needs 1 to 8 articles, got 0',
    );
    const nine = Array.from({ length: 9 }, (_, i) => ({ title: `t${i}` }));
    expect(() => buildReplyXml({ type: 'news', articles: nine }, envelope)).toThrow(ValidationError);
  });

  it('should reject a non-integer createTime', () => {
    expect(() => buildReplyXml({ type: 'text', content: 'x' }, { ...envelope, createTime: 1.5 })).toThrow(TypeError);
  });
});

describe('buildEncryptedReplyXml (WECHAT.md §4.2)', () => {
  it('should put TimeStamp bare and the rest in CDATA, and parse back as an envelope', () => {
    const xml = buildEncryptedReplyXml({ encrypt: 'abc+/==', msgSignature: 'f00', timestamp: 1409304348, nonce: 'xxxxxx' });
    expect(xml).toBe(
      '<xml><Encrypt><![CDATA[abc+/==]]></Encrypt><MsgSignature><![CDATA[f00]]></MsgSignature><TimeStamp>1409304348</TimeStamp><Nonce><![CDATA[xxxxxx]]></Nonce></xml>',
    );
    expect(parseEncryptedEnvelope(xml)).toEqual({ encrypt: 'abc+/==' });
  });

  it('should refuse a timestamp that is not decimal digits', () => {
    expect(() => buildEncryptedReplyXml({ encrypt: 'a', msgSignature: 'b', timestamp: '1<x>', nonce: 'n' })).toThrow(TypeError);
  });
});

describe('test builders (test/builders/inbound.ts)', () => {
  it('should build a text message that parses, with a fresh MsgId each time', () => {
    const first = parseInboundXml(buildTextXml({ content: '42' }));
    const second = parseInboundXml(buildTextXml());
    expect(first).toMatchObject({ kind: 'text', content: '42', toUserName: TEST_ACCOUNT_ID, fromUserName: TEST_OPENID });
    expect(first.msgId).toMatch(/^\d{17,}$/);
    expect(first.msgId).not.toBe(second.msgId);
  });

  it('should honour envelope overrides and extra fields', () => {
    const parsed = parseInboundXml(buildTextXml({ fromUserName: 'o2', createTime: 1700000000, msgId: '1', fields: { bizmsgmenuid: '7' } }));
    expect(parsed).toMatchObject({ fromUserName: 'o2', createTime: 1700000000, msgId: '1', bizMsgMenuId: '7' });
  });

  it('should build events with nested and repeated fields', () => {
    const xml = buildEventXml('subscribe_msg_popup_event', {
      SubscribeMsgPopupEvent: {
        List: [
          { TemplateId: 'A', SubscribeStatusString: 'accept', PopupScene: 2 },
          { TemplateId: 'B', SubscribeStatusString: 'reject', PopupScene: 2 },
        ],
      },
    });
    expect(parseInboundXml(xml)).toMatchObject({
      kind: 'subscribe_msg_popup',
      items: [{ templateId: 'A' }, { templateId: 'B', status: 'reject' }],
    });
    expect(parseInboundXml(buildEventXml('subscribe', { EventKey: 'qrscene_9' }, { fromUserName: 'o3' }))).toMatchObject({
      kind: 'subscribe',
      scene: '9',
      fromUserName: 'o3',
    });
  });

  it('should build any ordinary message', () => {
    expect(parseInboundXml(buildMessageXml('image', { PicUrl: 'http://p', MediaId: 'm' }))).toMatchObject({ kind: 'image', mediaId: 'm' });
  });
});
