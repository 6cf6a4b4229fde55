"""Word lists for Chinese name and context detection (no model: surnames + labels + a char window)."""

from __future__ import annotations

# Common single-character surnames (simplified, plus traditional forms seen in HK/TW records).
SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄"
    "丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区"
    "郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍"
    "辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣"
    "信展阴昝智幸奉植衡富尧闭由"
    "萧阎赖洪贝钮荀汲邴糜松弓牧隗宓蓬郗仰秋暴钭韶蓟怀从鄂咸籍苍双莘贡逄扶堵宰郦璩寿郏充习宦鱼慎庾暨"
    "弘禄殳沃蔚越夔厍融訾毋乜养须巢蒯竺桓贲经滑羿"
    "張陳劉楊黃趙吳孫馬鄭謝韓馮鄧蕭葉蘇呂盧鍾譚陸範賈韋鄒閻龍賀顧龔萬錢嚴湯溫齊喬龐顏莊聶魯歐關藍紀"
    "畢單駱遊鮑華饒農繆簡車項連蘆麥婁竇黨費衛臧閔鄔邊欒隋鞏"
)
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "司空",
    "夏侯",
    "轩辕",
    "令狐",
    "端木",
    "独孤",
    "南宫",
    "西门",
    "万俟",
    "闻人",
    "澹台",
    "公羊",
    "赫连",
    "呼延",
    "申屠",
    "太史",
    "钟离",
    "宗政",
    "濮阳",
    "淳于",
    "单于",
    "东郭",
    "百里",
    "拓跋",
    "鲜于",
    "闾丘",
    "公冶",
    "漆雕",
    "乐正",
    "巫马",
    "歐陽",
    "司馬",
    "諸葛",
    "東方",
    "長孫",
    "鍾離",
    "軒轅",
    "夏侯",
)

# Words that introduce a person in Chinese records (registers, tickets, medical notes).
NAME_LABELS = (
    "姓名",
    "患者",
    "病人",
    "申请人",
    "联系人",
    "法定代表人",
    "法人代表",
    "负责人",
    "户主",
    "业主",
    "当事人",
    "投诉人",
    "举报人",
    "来电人",
    "报案人",
    "反映人",
    "驾驶员",
    "驾驶人",
    "司机",
    "车主",
    "收件人",
    "收货人",
    "经办人",
    # Who handled, checked or signed a record: staff are persons too.
    "受理人",
    "审核人",
    "复核人",
    "审批人",
    "填报人",
    "填表人",
    "签收人",
    "记录人",
    "检查人",
    "报告人",
    "陪同人",
    "见证人",
    "担保人",
    "收款人",
    "受益人",
    "参保人",
    "就诊人",
    "对接人",
    "联络人",
    # Roles that stand before a staff member's name in notes and tickets (工作人员李强, 护士张丽,
    # 接线员王芳); a label ending in 人 is also read with 员 after it (参保人员, 经办人员: names.LABEL).
    "工作人员",
    "医生",
    "医师",
    "护士长",
    "护士",
    "民警",
    "辅警",
    "网格员",
    "社工",
    "调解员",
    "协管员",
    "安全员",
    "管理员",
    "接线员",
    "话务员",
    "快递员",
    "志愿者",
    "监护人",
    "家属",
    "居民",
    "市民",
    "租户",
    "承租人",
    "委托人",
    "代理人",
    "持卡人",
    "开户人",
    "老人",
    "姓名是",
    # A person naming themselves or another: 我叫李四, 名叫王小明的男子, 本人张伟.
    "我叫",
    "名叫",
    "本人",
)
# Reporting verbs: a clause that opens with a name and one of these quotes a person (刘波来电称…).
SPEECH_VERBS = ("来电", "致电", "反映", "投诉", "举报", "报称", "表示", "称")
# In brackets right after a name, these introduce the person's identifiers: 王小明（身份证…）.
IDENTITY_WORDS = ("身份证", "证件", "电话", "手机", "联系")
# After a name and 的, these say a person's identifier follows: 张三的手机是…. Only what a place or a
# thing does not have: 陈列馆的地址, 周边的电话 and 石头的车牌 name no one.
OWNED_IDENTIFIERS = ("身份证", "证件", "手机", "家庭住址", "户籍", "银行卡", "护照")
# Words a surname character can start that name a role, not a person ("来电反映", "公司表示"); the
# name labels are such words too.
NOT_NAMES = frozenset(
    {"来电", "致电", "市民", "居民", "群众", "来访", "有人", "司机", "车主", "业主", "商户"}
    | {"公司", "单位", "商家", "房东", "母亲", "施工方", "管理处", "门卫", "楼上", "楼下", "平台", "银行"}
    | {"经理", "居委", "相关部门", "房产商", "路人", "游客"}
)
# Titles that follow a name (王先生, 张伟女士).
HONORIFICS = ("先生", "女士", "小姐", "同志", "老师", "医生", "师傅", "阿姨", "大爷", "护士", "主任", "经理")

# A given name stops where one of these begins: they are the words that usually follow a name in a
# sentence (患者张伟身份证… / 联系人李四电话…), so a 2-char given name is trimmed before them.
NAME_STOPS = (
    "身份",
    "证件",
    "电话",
    "手机",
    "联系",
    "住址",
    "地址",
    "家住",
    "住在",
    "现住",
    "性别",
    "年龄",
    "车牌",
    "驾驶",
    "邮箱",
    "银行",
    "护照",
    "就诊",
    "反映",
    "投诉",
    "来电",
    "表示",
    "提交",
    "申请",
    "办理",
    "签字",
    "确认",
    "称",
    "于",
    "在",
    "的",
    "是",
    "和",
    "与",
    "及",
    "男",
    "女",
    "岁",
    "因",
    "到",
    "等",
    "说",
    "已",
    "现",
    "今",
    "昨",
    "将",
    "被",
    "把",
    "向",
    "对",
    "要",
    "请",
    "也",
    "都",
    "又",
    "还",
    "就",
    *HONORIFICS,
)

# Raw-window context words per class (scored on characters, not lemmas: Chinese has no spaces).
# An ID's labels in English as exports and forms write them (ID No., idcard=, id_no, ID:); lower case, as the
# text before a value is compared lower-cased. Not "id" alone: paid, valid and said end in it.
ID_LABELS_LATIN = (
    "id card",
    "id no",
    "idcard",
    "id_card",
    "id-card",
    "id_no",
    "id-no",
    "id number",
    "identity",
    "id:",
    "id=",
)
CONTEXT = {
    "cn_resident_id": ("身份证", "证件号", "身份号码", "公民身份", "证号", "sfz", *ID_LABELS_LATIN),
    "cn_resident_id_legacy": ("身份证", "证件号", "身份号码", "公民身份", "证号", "旧证", *ID_LABELS_LATIN),
    "cn_mobile": ("手机", "电话", "联系方式", "致电", "来电", "tel", "mobile", "phone"),
    "cn_landline": ("电话", "座机", "固话", "传真", "办公", "tel", "phone", "fax"),
    "bank_card": ("银行卡", "卡号", "账号", "帐号", "开户", "银行", "借记卡", "信用卡", "card"),
    "passport": ("护照", "passport", "证件", "通行证", "回乡证", "台胞证"),
    "email": ("邮箱", "email", "邮件", "e-mail"),
    "cn_plate": ("车牌", "号牌", "车辆", "牌照", "plate"),
    "address": ("住址", "地址", "家住", "居住", "现住", "住在", "户籍", "address"),
    "cn_uscc": ("信用代码", "社会信用", "uscc", "企业", "公司", "单位"),
}
# Identifiers that look like personal numbers but belong to documents (order/ticket/invoice numbers).
NEGATIVE_CONTEXT = (
    "订单",
    "单号",
    "流水",
    "编号",
    "工单",
    "交易号",
    "快递",
    "运单",
    "批次",
    "序列号",
    "条码",
    "发票",
    "金额",
    "order",
    "ticket",
    "invoice",
)
