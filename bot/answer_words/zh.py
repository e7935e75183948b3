"""Simplified Chinese answers as customers type them ("太小了", "质量问题", "退款", "换货", "是的", "对",
"不要了", "两个都退", "第二个"). Chinese has no spaces: the readers find these words as substrings, the
longest first, and read the text as the words found (a character no table holds is a word of its own).
Every cue is therefore one word here; a negation ("不是太小", "没有坏") is its own word before it.
Data only; the readers are in `bot.choices` and `bot.conversation`; the notation is in `bot.answer_words`."""

REASONS = [
    ("too_small", "太小, 小了, 偏小, 有点小, 太紧, 紧了, 偏紧, 有点紧, 穿不下, 穿不进, 挤脚, 太短, 短了, 小了一码, "
                  "小了一号, 换大一码, 要大一码, 大一码的, 换大一号, 大一号的, 换大码, 要大码"),
    ("too_large", "太大, 大了, 偏大, 有点大, 太松, 松了, 偏松, 太长, 长了, 太宽, 宽了, 大了一码, 大了一号, "
                  "换小一码, 要小一码, 小一码的, 换小一号, 小一号的, 换小码, 要小码"),
    ("damaged", "坏了, 坏的, 坏, 破了, 破损, 破的, 碎了, 碎, 裂了, 裂开, 裂缝, 损坏, 坏掉, 划痕, 刮花, 瑕疵, 有洞, "
                "破洞, 脏了, 污渍, 漏了, 漏水, 用不了, 不能用, 打不开, 开不了机, 不开机, 充不进电, 充不了电, 不工作, "
                "不亮, 故障, 质量问题, 断了, 开线, 脱胶, 摔坏, 压坏, 残次品, 次品"),
    ("wrong_item", "发错, 发错了, 寄错, 寄错了, 错发, 送错, 货不对, 东西不对, 不是我买的, 不是我订的, 不是我要的, "
                   "不是我下单的, 颜色不对, 颜色发错, 尺码发错, 型号不对, 款式不对, 发成了, ?收到的是, ?寄来的是, "
                   "?发来的是"),
    ("not_as_described", "与描述不符, 和描述不符, 描述不符, 跟描述不一样, 和描述不一样, 和图片不一样, 跟图片不一样, "
                         "与图片不符, 图片不符, 和照片不一样, 色差, 假货, 假的, 质量差, 质量不好, 做工差, 做工粗糙, "
                         "不像图片, 货不对板, 实物不符, 和宣传不符, 与实物不符, 不一样, ?质量, ?描述, ?材质, "
                         "?图片, ?照片"),
    ("changed_mind", "不想要了, 不想要, 不要了, 不喜欢, 不太喜欢, 不需要了, 用不上, 买错了, 拍错了, 拍错, 买错, "
                     "买多了, 多买了, 重复购买, 重复下单, 下错单, 改变主意, 改主意了, 改主意, 后悔了, 太贵了, "
                     "更便宜, 七天无理由, 无理由"),
    ("other", "其他原因, 其它原因, 其他, 其它, 别的原因, 太慢了, 太慢, 发货慢, 物流慢, 到得太晚, 晚到"),
    (None, "小问题, 多久, 多长时间, 地址错了, 地址写错了, 号码错了, 邮箱错了"),
]

RESOLUTIONS = [
    ("refund", "退款, 退钱, 退货退款, 把钱退, 钱退回, 原路退回, 退到卡, 退到银行卡, 退到支付宝, 退到微信, "
               "支付宝, 全额退款, 仅退款, 返钱, 我要钱"),
    ("exchange", "换货, 换一个, 换个, 换成, 换大一码, 换小一码, 换大一号, 换小一号, 换尺码, 换码, 换颜色, 换一件, "
                 "换一双, 调换, 更换尺码, 换号, 换大码, 换小码, 换, 正确的, 发对的, 我买的那个, 我下单的那个"),  # 正确的: the one ordered
    ("store_credit", "店铺积分, 积分, 购物券, 代金券, 优惠券, 礼品卡, 店铺余额, 账户余额, 余额, 储值"),
    ("replacement", "补发, 重新发, 再发一个, 重发, 换新, 换个新的, 发个新的, 寄个新的, 换一个新的"),
    (None, "换货地址, 是正确的, 是对的"),  # "尺码是正确的，但是…": a description
]

YES = ("是, 是的, 对, 对的, 好, 好的, 行, 可以, 嗯, 嗯嗯, 没问题, 没错, 正确, 确定, 同意, 好啊, 好吧, 可以的, 行吧, "
       "要, 要的, 需要, 当然, 当然可以, 麻烦了, 就这样, 对对, 对啊, 是啊, 确认, 好滴, 可以啊, 行啊")
NO = "不, 不是, 不要, 不用, 不用了, 不需要, 没有, 不对, 错了, 算了, 不了, 不行, 别, 不同意, 不要了, 不必, 不用谢"
UNSURE = "不确定, 不知道, 也许, 可能, 说不准, 再说吧, 看情况, 不清楚"
WEAK = "麻烦, 请, 太好了"
FILLERS = "那个, 呃, 额, 哦, 你好, 您好, 那, 喂"

# Words of their own one slip away from a cue word: never bent onto it
PLAIN = "包裹, 包装, 包邮, 包括, 包含, 包退, 包换, 打包, 红包, 面包, 一笔, 这笔, 那笔, 每笔, 笔记, 说明书"  # words that hold a table word: 包裹 (parcel) is no 包 (bag), 这笔退货 no 笔 (pen)
NEGATORS = "不, 没, 没有, 不是, 别, 非, 无, 不要"
NEGATORS_AFTER = ""  # 不 stands before what it denies
BUTS = "但是, 但, 可是, 不过, 只是, 而是, 就是"
CORRECTIONS = "还是, 改成, 其实, 抱歉, 等等, 不对"
RATHER = ""  # 要积分不要退款 reads as it is: 不要 denies what follows it
THAN = ""
DECLINE = "还是谢谢, 不管怎样谢谢, 谢谢啦不用"  # a polite no
QUESTION_WORDS = "怎么, 怎样, 什么, 为什么, 多久, 多长时间, 哪, 哪里, 哪个, 几天, 如何, 是否, 多少"
QUESTION_VERBS = ""

ORDINALS = {"第一": 1, "第一个": 1, "第一件": 1, "第二": 2, "第二个": 2, "第二件": 2, "第三": 3, "第三个": 3,
            "第三件": 3, "第四个": 4, "第五个": 5, "最后": -1, "最后一个": -1, "最后那个": -1, "后面那个": -1,
            "前面那个": 1, "上面那个": 1, "下面那个": -1}
NUMBERS = {"一个": 1, "一件": 1, "一双": 1, "一条": 1, "一": 1, "两个": 2, "两件": 2, "两双": 2, "两条": 2, "两": 2,
           "二": 2, "三个": 3, "三件": 3, "三": 3, "四个": 4, "四": 4, "五个": 5, "五": 5}
BOTH = "两个都, 两件都, 两双都, 两条都, 俩"
ALL = "全部, 所有, 全都, 整单, 全退, 都退, 都要"  # not 都 alone: 首都
EXCEPT = "除了"  # all but these
VAGUE = "一半, 几个, 一些, 部分"  # no count: "half", "some"
COUNT_AFTER = ""  # Chinese counts carry their measure word: 一件
ONLY = "只, 只退, 只要, 其中"  # before a count: 只退一件, 其中一件
# -- bot.choices: item words ("die Jacke", "les chaussettes", "羽绒服"): a word as customers type it -> the English
# title word(s) it stands for, singular, lower case; "a|b" when it covers several ("外套": coat or jacket) or
# when a second title word tells two items apart ("regenjacke": jacket|rain). The lookup is after folding, with
# one slip forgiven in words of five letters or more ("Handschue"); plurals are keys of their own. German keys
# of four letters or more are also read as the tail of a compound, so they must not end common German words.
# Chinese is cut by the longest table word: a short key (包, 笔, 杯, 灯) needs the words that hold it and mean
# something else in PLAIN (包裹, 这笔).
NOUNS = {
    # 服装
    "外套": "coat|jacket", "夹克": "jacket", "夹克衫": "jacket", "羽绒服": "jacket|coat|down", "羽绒外套": "jacket|coat|down",
    "羽绒马甲": "vest|down", "马甲": "vest", "大衣": "coat", "风衣": "coat|trench", "冲锋衣": "jacket", "软壳衣": "jacket|softshell",
    "软壳外套": "jacket|softshell", "雨衣": "jacket|rain|coat", "牛仔夹克": "jacket|denim", "牛仔外套": "jacket|denim",
    "皮衣": "jacket|leather", "皮夹克": "jacket|leather", "毛衣": "sweater|jumper", "毛线衣": "sweater|jumper",
    "针织衫": "sweater|cardigan", "开衫": "cardigan", "卫衣": "hoodie|sweatshirt", "连帽衫": "hoodie|sweatshirt", "衬衫": "shirt",
    "衬衣": "shirt", "t恤": "tshirt", "短袖": "tshirt", "球衣": "jersey", "骑行服": "jersey|cycling", "骑行衫": "jersey|cycling",
    "骑行裤": "short|cycling", "裤子": "trouser", "长裤": "trouser", "西裤": "trouser", "亚麻裤": "trouser|linen", "牛仔裤": "jean",
    "短裤": "short", "打底裤": "legging", "紧身裤": "legging", "瑜伽裤": "legging", "裙子": "dress|skirt", "长裙": "dress|skirt",
    "连衣裙": "dress", "半身裙": "skirt", "短裙": "skirt", "泳衣": "swimsuit", "泳装": "swimsuit", "比基尼": "bikini",
    "泳裤": "trunk|short", "内衣": "bra|bralette", "文胸": "bra|bralette", "内裤": "brief|boxer|underwear", "平角裤": "boxer",
    "四角裤": "boxer", "睡衣": "pyjama", "浴袍": "robe", "袜子": "sock", "运动袜": "sock", "短袜": "sock|ankle", "船袜": "sock|ankle",
    "跑步袜": "sock|running", "丝袜": "tights", "连裤袜": "tights",
    # 鞋
    "鞋": "shoe", "鞋子": "shoe", "跑鞋": "shoe|running", "跑步鞋": "shoe|running", "运动鞋": "sneaker|shoe",
    "球鞋": "sneaker|shoe", "板鞋": "sneaker", "帆布鞋": "sneaker|canvas", "小白鞋": "sneaker|white", "皮鞋": "shoe|leather",
    "登山鞋": "boot|hiking|shoe", "徒步鞋": "boot|hiking|shoe", "靴子": "boot", "靴": "boot", "短靴": "boot", "马丁靴": "boot",
    "登山靴": "boot|hiking", "切尔西靴": "boot|chelsea", "凉鞋": "sandal", "拖鞋": "slipper|slide|sandal", "凉拖": "slide|sandal",
    "人字拖": "flipflop|sandal", "草编鞋": "espadrille", "麻底鞋": "espadrille",
    # 配饰
    "帽子": "hat|cap|beanie", "草帽": "hat|straw", "毛线帽": "beanie|cap|knitted", "针织帽": "beanie|cap|knitted", "鸭舌帽": "cap",
    "棒球帽": "cap", "贝雷帽": "beret", "围巾": "scarf", "披肩": "scarf", "丝巾": "scarf|silk", "手套": "glove", "保暖手套": "glove|thermal", "保暖": "thermal",
    "皮手套": "glove|leather", "腰带": "belt", "皮带": "belt", "领带": "tie", "钱包": "wallet", "太阳镜": "sunglasses",
    "墨镜": "sunglasses", "眼镜": "glasses", "雨伞": "umbrella", "伞": "umbrella", "手表": "watch", "智能手表": "watch|smart",
    "项链": "necklace", "手链": "bracelet", "戒指": "ring", "耳环": "earring", "钥匙扣": "keyring",
    # 包
    "包": "bag", "包包": "bag", "手提包": "bag", "单肩包": "bag", "腰包": "bag", "斜挎包": "bag|crossbody", "托特包": "tote|bag",
    "帆布包": "tote|bag", "购物袋": "tote|bag", "背包": "backpack|daypack", "双肩包": "backpack|daypack",
    "书包": "backpack|daypack", "行李箱": "suitcase", "拉杆箱": "suitcase",
    # 电子
    "耳机": "headphone|earbud", "头戴式耳机": "headphone", "降噪耳机": "headphone|noise", "无线耳机": "headphone|earbud|wireless",
    "蓝牙耳机": "headphone|earbud|wireless", "耳机支架": "stand|headphone", "耳机架": "stand|headphone", "支架": "stand",
    "音箱": "speaker", "音响": "speaker", "喇叭": "speaker", "蓝牙音箱": "speaker|bluetooth", "充电器": "charger",
    "充电头": "charger", "数据线": "cable", "充电线": "cable", "手机壳": "case|phone", "保护壳": "case", "充电盒": "case|charging",
    "充电仓": "case|charging", "钢化膜": "protector|screen", "贴膜": "protector|screen", "保护膜": "protector|screen",
    "键盘": "keyboard", "机械键盘": "keyboard|mechanical", "鼠标": "mouse", "显示器": "monitor|screen", "屏幕": "monitor|screen",
    "摄像头": "webcam|camera", "相机": "camera", "运动相机": "camera|action", "平板": "tablet", "笔记本电脑": "laptop",
    "电脑": "laptop", "阅读器": "ereader|reader", "电子书": "ereader|ebook", "空气净化器": "purifier|air", "净化器": "purifier|air",
    "风扇": "fan", "吹风机": "dryer", "灯泡": "bulb", "备用灯泡": "bulb|spare", "灯": "lamp", "台灯": "lamp", "护眼灯": "lamp",
    "落地灯": "lamp", "车灯": "light|bike", "自行车灯": "light|bike", "蜡烛": "candle", "香薰蜡烛": "candle",
    # 家居厨房
    "茶壶": "teapot", "壶": "pot|teapot", "水壶": "kettle|bottle", "电水壶": "kettle", "烧水壶": "kettle", "热水壶": "kettle",
    "摩卡壶": "pot|moka", "锅": "pot|pan", "平底锅": "pan|skillet", "煎锅": "pan|skillet", "铸铁锅": "skillet|pan", "刀": "knife",
    "菜刀": "knife", "厨师刀": "knife", "搅拌机": "blender|mixer", "破壁机": "blender", "料理机": "blender", "厨师机": "mixer|stand",
    "打蛋器": "mixer", "电饭煲": "cooker|rice", "电饭锅": "cooker|rice", "磨豆机": "grinder|coffee", "咖啡机": "machine|coffee",
    "奶泡器": "frother|milk", "奶泡机": "frother|milk", "打奶器": "frother|milk", "秤": "scale", "电子秤": "scale",
    "厨房秤": "scale|kitchen", "烤面包机": "toaster", "保温杯": "bottle|insulated", "保温瓶": "bottle|insulated",
    "水杯": "cup|mug|bottle", "杯子": "cup|mug|bottle", "杯": "cup|mug|bottle", "马克杯": "mug", "咖啡杯": "cup|mug",
    "浓缩咖啡杯": "cup|espresso", "玻璃杯": "glass", "酒杯": "glass|wine", "红酒杯": "glass|wine", "葡萄酒杯": "glass|wine",
    "高脚杯": "glass|wine", "玻璃罐": "jar", "储物罐": "jar", "密封罐": "jar", "罐子": "jar", "碗": "bowl", "搅拌碗": "bowl|mixing",
    "盘子": "plate", "碟子": "plate", "茶具": "tea", "花瓶": "vase", "瓶子": "bottle", "水瓶": "bottle", "毛巾": "towel",
    "浴巾": "towel", "沙滩巾": "towel|beach", "毯子": "blanket", "枕头": "pillow", "抱枕": "cushion", "靠垫": "cushion",
    "笔记本": "notebook", "本子": "notebook", "钢笔": "pen|fountain", "笔": "pen", "收纳盒": "organiser", "腕托": "rest|wrist",
    "护腕垫": "rest|wrist", "茶叶": "tea|sampler", "巧克力": "chocolate", "咖啡豆": "bean|coffee", "礼品卡": "card|gift",
    "礼物卡": "card|gift", "购物卡": "card|gift", "激活码": "key|licence", "密钥": "key|licence",
    # 运动
    "自行车": "bike", "单车": "bike", "头盔": "helmet", "瑜伽垫": "mat|yoga", "垫子": "mat", "足球": "ball", "篮球": "ball",
    "哑铃": "dumbbell", "帐篷": "tent",
    # 美妆 玩具
    "精华": "serum", "精华液": "serum", "面霜": "cream", "润唇膏": "balm|lip", "唇膏": "balm|lip", "口红": "lipstick",
    "香水": "perfume", "玩具": "toy", "拼图": "puzzle", "娃娃": "doll", "毛绒玩具": "toy|teddy", "积木": "brick",
    # 书 钥匙
    "书": "book|cookbook", "食谱": "book|cookbook", "菜谱": "book|cookbook", "钥匙": "key|keyring", "乐高": "brick|lego",
}

QUESTION_START = (r".*(怎么|怎样|什么|为什么|多久|多长时间|哪里|哪个|几天|多少|如何|是否|能不能|可不可以|是不是|有没有)",
                  r".*[吗呢][?？]?$")
BOT_CHALLENGE = (r"(你|您)是(不是)?(机器人|真人|人工智能|ai|bot|人)", r"是(机器人|真人)吗", r"是不是机器人", r"机器人吗")
ALREADY_SENT = (r"已经?(寄回|寄出|寄了|发回|退回|发出|寄走|邮寄)", r"寄回去了", r"已经在路上")
# -- bot.conversation.reading: a person asked for in one's own words ("找个人帮我查一下")
PERSON = (r"(找|让|叫)(个|一个)?(人|同事|工作人员)(帮我|给我)?(查|看|处理)", r"有(没有)?人(能|可以)?(帮我)?(查|看|处理)一下", r"(真人|客服)(处理|回复|来)")
KEEP = (r"保留", r"不取消", r"不要取消", r"别取消", r"留着", r"我?还要(?=\s*$)", r"照常发", r"正常发", r"继续发", r"照发")  # "电饭煲我还要": still want, closing
UNWANTED = (r"不需要了", r"不想要了", r"不要了")
CANCEL_VERB = (r"取消", r"删掉", r"删除", r"去掉")
# -- bot.conversation.manager: "can I ..." before a choice, the whole order, part of it, an exchange, "also"
ASKING_LEAD = (r"我?可以", r"我?能不能", r"我?能", r"可不可以")
EVERYTHING = (r"全部", r"整单", r"所有", r"整个订单", r"全都")
PART_OF_ORDER = (r"部分", r"其中", r"只取消一", r"一部分")
SAYS_EXCHANGE = (r"换",)
ALSO = (r"也", r"还有", r"另外")
# -- bot.conversation.reading: "can I still return it?"
ASKS_WINDOW = (r"还能退", r"还可以退", r"来得及", r"过期了吗", r"超过.*天")

# -- bot.conversation.policy_answers: which policy topic a question asks about; HINT: it is about the rules
POLICY = {
    "shipping_refund": (r"运费.{0,3}(退回|退给|能退|可以退|退吗|也退)", r"退(还)?运费"),
    "refund_timing": (r"退款.{0,6}(多久|几天|多长时间|什么时候)", r"(多久|几天|什么时候).{0,6}(退款|到账|退钱)", r"钱.{0,4}什么时候"),
    "shipping_cost": (r"谁(付|出|承担)", r"运费.{0,4}(谁|多少|自己)", r"免费退", r"包邮", r"退货.{0,4}(免费|收费|要钱)"),
    "non_returnable": (r"(用过|穿过|拆封|打开|特价|打折|内衣|泳衣|礼品卡).{0,8}(能|可以)退", r"不能退", r"不支持退"),
    "ship_back": (r"多久.{0,4}(寄回|寄出|发回)", r"(寄回|寄出).{0,6}(期限|多久)"),
    "window": (r"(多少|几)天.{0,4}(退|内)", r"退货期", r"期限", r"七天无理由", r"过期", r"还能退", r"(到|截止到?)(什么时候|哪天)(之前)?(能|可以)?退"),
    "exchange": (r"换货", r"换"),
    "returnless": (r"不用寄回", r"不用退回", r"留着"),
    "general": (r"退货政策", r"退换货政策", r"规则", r"怎么退货", r"退货流程"),
}
POLICY_HINT = (r"多久", r"几天", r"多少天", r"谁(付|出|承担)", r"运费", r"免费", r"期限", r"政策", r"规则", r"流程", r"不能退", r"能退吗", r"可以退吗", r"什么时候(之前|前)?(能|可以)?退")
# IF_UNWANTED: "if they don't fit / I don't like them, how long do I have to send them back?" asks before any
# return: the return window, not the days to ship an accepted return back
IF_UNWANTED = (r"(如果|万一|要是).{0,12}(不好用|不喜欢|不合适|不满意|不合身|不想要|不能用)",)
# -- bot.conversation.reading: "it says delivered but never came", "I lost my order number"
NOT_RECEIVED = (r"没(有)?收到", r"显示(已)?签收", r"(被)?偷了", r"(快递|包裹|东西)丢了", r"寄错地址", r"送错地址", r"一直没到", r"还没到")
FOUND_NUMBER = (r"找到了", r"找到啦", r"找着了")
LOST_NUMBER = (r"(找不到|没有|忘了|不知道)(我的)?订单号", r"订单号(找不到|丢了|忘了|没了)", r"(邮件|确认邮件)(删了|丢了)")
# "I don't know" to the order-number question: the help to find it
DONT_KNOW = (r"不知道", r"不记得", r"忘了", r"不清楚")
# a correction of the order number given while its proof is asked ("sorry, I meant 3001")
CORRECTS_NUMBER = (r"说错了", r"应该是", r"不好意思", r"打错了", r"写错了")

# -- bot.conversation.reading: a second request in one message ("...，还有我的退款呢？")
GOALS = {
    "refund_status": (r"退款.{0,4}(到哪|在哪|呢|还没到|没收到)", r"钱.{0,4}(还没|没)(到|退)"),
    "return_status": (r"退货.{0,4}(进度|状态|收到了吗)",),
    "track": (r"(包裹|快递|订单|货)[#0-9a-z-]*.{0,4}(到哪|在哪|什么时候到)", r"物流", r"查.{0,2}(快递|物流)",
              r"(快递|物流|运)单号.{0,4}(多少|是什么|在哪|发我|给我)"),  # the tracking number asked for
    "exchange": (r"换货",),
    "damage": (r"(收到|到了|到的时候).{0,4}(坏|碎|破)",),
    "return": (r"退货", r"我要退", r"想退", r"(?<!不)要退", r"(?<!不)(能|可以)退(吗|嘛|么)", r"(想|要) ?return"),  # "有一件要退"; "想return" (mixed)
}
