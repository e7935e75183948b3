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
                   "不是我下单的, 颜色不对, 颜色发错, 尺码发错, 型号不对, 款式不对, 发成了"),
    ("not_as_described", "与描述不符, 和描述不符, 描述不符, 跟描述不一样, 和描述不一样, 和图片不一样, 跟图片不一样, "
                         "与图片不符, 图片不符, 和照片不一样, 色差, 假货, 假的, 质量差, 质量不好, 做工差, 做工粗糙, "
                         "不像图片, 货不对板, 实物不符, 和宣传不符, 与实物不符, ?质量, ?描述, ?材质"),
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
                 "换一双, 调换, 更换尺码, 换号, 换大码, 换小码, 换"),
    ("store_credit", "店铺积分, 积分, 购物券, 代金券, 优惠券, 礼品卡, 店铺余额, 账户余额, 余额, 储值"),
    ("replacement", "补发, 重新发, 再发一个, 重发, 换新, 换个新的, 发个新的, 寄个新的, 换一个新的"),
    (None, "换货地址"),
]

YES = ("是, 是的, 对, 对的, 好, 好的, 行, 可以, 嗯, 嗯嗯, 没问题, 没错, 正确, 确定, 同意, 好啊, 好吧, 可以的, 行吧, "
       "要, 要的, 需要, 当然, 当然可以, 麻烦了, 就这样, 对对, 对啊, 是啊, 确认, 好滴, 可以啊, 行啊")
NO = "不, 不是, 不要, 不用, 不用了, 不需要, 没有, 不对, 错了, 算了, 不了, 不行, 别, 不同意, 不要了, 不必, 不用谢"
UNSURE = "不确定, 不知道, 也许, 可能, 说不准, 再说吧, 看情况, 不清楚"
WEAK = "麻烦, 请, 太好了"
FILLERS = "那个, 呃, 额, 哦, 你好, 您好, 那, 喂"

# Words of their own one slip away from a cue word: never bent onto it
PLAIN = "包裹, 包装, 包邮, 面包, 钱包"  # words that hold a table word: 包裹 (parcel) is no 包 (bag)
NEGATORS = "不, 没, 没有, 不是, 别, 非, 无, 不要"
BUTS = "但是, 但, 可是, 不过, 只是, 而是, 就是"
CORRECTIONS = "还是, 改成, 其实, 抱歉, 等等, 不对"
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
NOUNS = {"瑜伽垫": "mat", "垫子": "mat", "阅读器": "reader", "电子书": "ereader", "鞋": "shoe", "鞋子": "shoe", "靴子": "boot", "袜子": "sock", "裤子": "trouser", "牛仔裤": "jean",
         "夹克": "jacket", "外套": "coat", "大衣": "coat", "衬衫": "shirt", "t恤": "tshirt", "毛衣": "sweater",
         "卫衣": "hoodie", "裙子": "dress", "连衣裙": "dress", "半身裙": "skirt", "包": "bag", "包包": "bag",
         "背包": "backpack", "帽子": "hat", "手套": "glove", "围巾": "scarf", "腰带": "belt", "皮带": "belt",
         "手表": "watch", "耳机": "headphone", "数据线": "cable", "手机壳": "case", "台灯": "lamp", "键盘": "keyboard",
         "鼠标": "mouse", "运动鞋": "sneaker", "泳衣": "swimsuit",
         "凉鞋": "sandal", "羽绒服": "jacket|coat"}

QUESTION_START = (r".*(怎么|怎样|什么|为什么|多久|多长时间|哪里|哪个|几天|如何|是否|能不能|可不可以|是不是|有没有)",
                  r".*[吗呢][?？]?$")
BOT_CHALLENGE = (r"(你|您)是(不是)?(机器人|真人|人工智能|ai|bot|人)", r"是(机器人|真人)吗", r"是不是机器人", r"机器人吗")
ALREADY_SENT = (r"已经?(寄回|寄出|寄了|发回|退回|发出|寄走|邮寄)", r"寄回去了", r"已经在路上")
KEEP = (r"保留", r"不取消", r"不要取消", r"别取消", r"留着")
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
    "window": (r"(多少|几)天.{0,4}(退|内)", r"退货期", r"期限", r"七天无理由", r"过期", r"还能退"),
    "exchange": (r"换货", r"换"),
    "returnless": (r"不用寄回", r"不用退回", r"留着"),
    "general": (r"退货政策", r"退换货政策", r"规则", r"怎么退货", r"退货流程"),
}
POLICY_HINT = (r"多久", r"几天", r"多少天", r"谁(付|出|承担)", r"运费", r"免费", r"期限", r"政策", r"规则", r"流程", r"不能退", r"能退吗", r"可以退吗")
# -- bot.conversation.reading: "it says delivered but never came", "I lost my order number"
NOT_RECEIVED = (r"没(有)?收到", r"显示(已)?签收", r"(被)?偷了", r"(快递|包裹|东西)丢了", r"寄错地址", r"送错地址", r"一直没到", r"还没到")
LOST_NUMBER = (r"(找不到|没有|忘了|不知道)(我的)?订单号", r"订单号(找不到|丢了|忘了|没了)", r"(邮件|确认邮件)(删了|丢了)")

# -- bot.conversation.reading: a second request in one message ("...，还有我的退款呢？")
GOALS = {
    "refund_status": (r"退款.{0,4}(到哪|在哪|呢|还没到|没收到)", r"钱.{0,4}(还没|没)(到|退)"),
    "return_status": (r"退货.{0,4}(进度|状态|收到了吗)",),
    "track": (r"(包裹|快递|订单|货).{0,4}(到哪|在哪|什么时候到)", r"物流", r"查.{0,2}(快递|物流)"),
    "exchange": (r"换货",),
    "damage": (r"(收到|到了|到的时候).{0,4}(坏|碎|破)",),
    "return": (r"退货", r"我要退", r"想退"),
}
